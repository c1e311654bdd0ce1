"""The one interface every payment provider implements, and the events its notifications become.

A provider adapter talks to one payment provider through its SDK and nothing else: outbound it starts a checkout,
changes a price, cancels at period end or charges a saved card; inbound it verifies a notification and turns it
into the events below, reading the provider's API where the notification itself is not to be trusted. It never
writes our tables and never calls billing.services: the services decide what an event changes (services call
adapters, downward; billing/webhooks.py passes the events to one service).
A third provider is one more module registering its class in PROVIDERS.
"""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, TypeAlias

from billing.errors import PlanNotAvailable
from billing.models import Payment, Plan, Subscription
from tenants.models import Chain


class NoticeRefused(Exception):
    """A notification that is not provably from the provider (bad signature, stale, unreadable): answer 400."""


class Standing(StrEnum):
    """Where the provider says a subscription stands, in our words."""

    PAID = "paid"  # paid up (or in the provider's own trial)
    UNPAID = "unpaid"  # a renewal failed and the provider is retrying
    ENDED = "ended"  # gone at the provider
    OTHER = "other"  # nothing to act on (e.g. waiting for a first confirmation)


@dataclass(frozen=True)
class CheckoutCompleted:
    """The first payment went through a hosted checkout: the provider's customer and subscription for the chain."""

    provider: str
    chain_id: int
    customer_id: str
    subscription_id: str


@dataclass(frozen=True)
class InvoiceSettled:
    """An invoice of the provider's subscription was paid (or its payment failed)."""

    provider: str
    provider_payment_id: str
    subscription_id: str
    paid: bool
    amount: Decimal
    currency: str
    receipt_url: str


@dataclass(frozen=True)
class SubscriptionReported:
    """What the provider holds now for one subscription (read from its API, so delivery order does not matter)."""

    provider: str
    subscription_id: str
    chain_id: int | None  # from the subscription's metadata, for a subscription we have not linked yet
    standing: Standing
    status: str  # the provider's own word, kept as the reason of a failed payment
    period_end: datetime.datetime | None
    plan: Plan | None
    cancel_at_period_end: bool
    customer_id: str


@dataclass(frozen=True)
class PaymentSucceeded:
    """One of our payments (a Payment row, found by the provider's id) succeeded at the provider."""

    provider: str
    provider_payment_id: str
    saved_method_id: str  # the card saved for renewals, "" when none was saved
    receipt_url: str


@dataclass(frozen=True)
class PaymentFailed:
    """One of our payments was cancelled or declined at the provider."""

    provider: str
    provider_payment_id: str
    reason: str


ProviderEvent: TypeAlias = CheckoutCompleted | InvoiceSettled | SubscriptionReported | PaymentSucceeded | PaymentFailed


@dataclass(frozen=True)
class Notice:
    """One verified notification, processed once by its id: the events it carries, in order."""

    provider: str
    notice_id: str
    kind: str
    events: tuple[ProviderEvent, ...]


@dataclass(frozen=True)
class Checkout:
    """Where to send the owner to pay, and the provider's id of the payment it started (if it made one)."""

    url: str
    provider_payment_id: str = ""


@dataclass(frozen=True)
class Charge:
    """A charge of a saved card: the provider's payment id and, once final, what became of it (None: pending)."""

    provider_payment_id: str
    outcome: PaymentSucceeded | PaymentFailed | None


class PaymentProvider(ABC):
    name: ClassVar[str]
    # True: we charge the saved card ourselves each period, each charge a Payment row (with our idempotence key)
    # written before the call. False: the provider runs the subscription and bills it itself.
    charges_saved_card: ClassVar[bool] = False
    currency: ClassVar[str] = ""  # of the charges we make (charges_saved_card)

    def price(self, plan: Plan) -> Decimal | None:
        """What we charge for one period of `plan` (for providers that charge a saved card), None = not offered."""
        return None

    @abstractmethod
    def start_checkout(
        self, *, chain: Chain, plan: Plan, subscription: Subscription, payment: Payment | None, email: str
    ) -> Checkout:
        """The hosted page of the first payment. `payment` is our row of it when the provider charges_saved_card."""

    def change_price(self, *, subscription: Subscription, plan: Plan, upgrade: bool) -> None:
        """Move the provider's subscription to `plan` (an upgrade at once and prorated, a downgrade from the next
        period). Providers that charge a saved card have nothing to change: the next charge uses the new plan."""
        return None

    def cancel_at_period_end(self, *, subscription: Subscription) -> None:
        """Stop renewing at the provider when the paid period ends (nothing to do when we charge ourselves)."""
        return None

    def charge_saved_card(self, *, payment: Payment, chain: Chain, saved_method_id: str, email: str) -> Charge:
        """Charge `payment` to the saved card, with the payment's idempotence key (a retry gets the same charge)."""
        raise PlanNotAvailable()

    def portal_url(self, *, chain: Chain, subscription: Subscription) -> str:
        """The provider's own page where the owner manages cards and invoices."""
        raise PlanNotAvailable()

    def add_to_next_invoice(
        self, *, subscription: Subscription, amount: Decimal, currency: str, description: str, idempotency_key: str
    ) -> str:
        """Put an extra amount on the subscription's next invoice at the provider; the provider's id of the item.
        Providers whose card we charge ourselves add it to the next charge instead (billing.services.payments)."""
        raise PlanNotAvailable()


PROVIDERS: dict[str, PaymentProvider] = {}


def register(provider: type[PaymentProvider]) -> type[PaymentProvider]:
    PROVIDERS[provider.name] = provider()
    return provider


def provider_for(name: str) -> PaymentProvider:
    """The adapter of provider `name` (billing.models.Provider); PlanNotAvailable for one we do not offer."""
    try:
        return PROVIDERS[name]
    except KeyError as error:
        raise PlanNotAvailable() from error
