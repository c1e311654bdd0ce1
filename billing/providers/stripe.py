"""Stripe: Checkout for the first payment, the customer portal for cards, price changes, and the signed webhook.

Stripe runs the subscription and bills it itself. A webhook event is verified against our endpoint secret and
never trusted for state: the subscription it names is re-read from the API, so events arriving out of order
converge on what Stripe holds now (billing.services applies the events, once per event id).
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings

from billing.errors import BillingUnavailable, PlanNotAvailable
from billing.models import Payment, Plan, Provider, Subscription
from billing.providers.base import (
    Checkout,
    CheckoutCompleted,
    InvoiceSettled,
    Notice,
    NoticeRefused,
    PaymentProvider,
    ProviderEvent,
    Standing,
    SubscriptionReported,
    register,
)
from tenants.models import Chain

logger = logging.getLogger(__name__)

HANDLED_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "invoice.paid",
        "invoice.payment_failed",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    }
)
STANDING_BY_STATUS = {
    "active": Standing.PAID,
    "trialing": Standing.PAID,
    "past_due": Standing.UNPAID,
    "unpaid": Standing.UNPAID,
    "incomplete": Standing.UNPAID,
    "canceled": Standing.ENDED,
    "incomplete_expired": Standing.ENDED,
}


def _configured() -> dict[str, Any]:
    if not settings.STRIPE_SECRET_KEY:
        raise BillingUnavailable()
    stripe.api_base = settings.STRIPE_API_BASE
    return {"api_key": settings.STRIPE_SECRET_KEY}


@register
class StripeProvider(PaymentProvider):
    name = Provider.STRIPE

    def start_checkout(
        self, *, chain: Chain, plan: Plan, subscription: Subscription, payment: Payment | None, email: str
    ) -> Checkout:
        """A hosted Checkout page for the first payment."""
        if not plan.stripe_price_id:
            raise PlanNotAvailable()
        options = _configured()
        billing_url = f"{chain.base_url}/billing/"
        params: dict[str, Any] = {
            "mode": "subscription",
            "line_items": [{"price": plan.stripe_price_id, "quantity": 1}],
            "client_reference_id": str(chain.pk),
            "metadata": {"chain_id": str(chain.pk), "plan": plan.code},
            "subscription_data": {"metadata": {"chain_id": str(chain.pk)}},
            "success_url": billing_url + "?checkout=success",
            "cancel_url": billing_url + "?checkout=cancelled",
        }
        if subscription.stripe_customer_id:
            params["customer"] = subscription.stripe_customer_id
        try:
            session = stripe.checkout.Session.create(**params, **options)
        except stripe.StripeError as error:
            logger.warning("Stripe checkout for chain %s failed: %s", chain.pk, error)
            raise BillingUnavailable() from error
        return Checkout(url=str(session.url))

    def portal_url(self, *, chain: Chain, subscription: Subscription) -> str:
        options = _configured()
        if not subscription.stripe_customer_id:
            raise PlanNotAvailable()
        try:
            session = stripe.billing_portal.Session.create(
                customer=subscription.stripe_customer_id, return_url=f"{chain.base_url}/billing/", **options
            )
        except stripe.StripeError as error:
            raise BillingUnavailable() from error
        return str(session.url)

    def change_price(self, *, subscription: Subscription, plan: Plan, upgrade: bool) -> None:
        """Swap the price: an upgrade prorates and invoices the difference at once; a downgrade bills from the next
        period (the paid period keeps the current plan)."""
        if not subscription.stripe_subscription_id:
            return
        if not plan.stripe_price_id:
            raise PlanNotAvailable()
        options = _configured()
        remote = stripe.Subscription.retrieve(subscription.stripe_subscription_id, **options).to_dict()
        stripe.Subscription.modify(
            subscription.stripe_subscription_id,
            items=[{"id": remote["items"]["data"][0]["id"], "price": plan.stripe_price_id}],
            proration_behavior="always_invoice" if upgrade else "none",
            **options,
        )

    def add_to_next_invoice(
        self, *, subscription: Subscription, amount: Decimal, currency: str, description: str, idempotency_key: str
    ) -> str:
        """A pending invoice item on the customer's subscription: Stripe adds it to that subscription's next
        invoice (https://docs.stripe.com/billing/invoices/subscription#adding-upcoming-invoice-items)."""
        if not subscription.stripe_customer_id:
            raise PlanNotAvailable()
        options = _configured()
        params: dict[str, Any] = {
            "customer": subscription.stripe_customer_id,
            "amount": int((amount * 100).to_integral_value()),
            "currency": currency.lower(),
            "description": description,
        }
        if subscription.stripe_subscription_id:
            params["subscription"] = subscription.stripe_subscription_id
        try:
            item = stripe.InvoiceItem.create(**params, idempotency_key=idempotency_key, **options)
        except stripe.StripeError as error:
            raise BillingUnavailable() from error
        return str(item.id)

    def cancel_at_period_end(self, *, subscription: Subscription) -> None:
        if not subscription.stripe_subscription_id:
            return
        options = _configured()
        stripe.Subscription.modify(subscription.stripe_subscription_id, cancel_at_period_end=True, **options)


def verified_notice(*, payload: bytes, signature: str) -> Notice | None:
    """The webhook event as a Notice of our events; None for an event type we do not act on.

    NoticeRefused for anything not signed with our endpoint secret within the tolerance. The subscription the
    event concerns is re-read from the API (an API failure propagates: Stripe delivers the event again).
    """
    try:
        verified = stripe.Webhook.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
        )
    except (ValueError, stripe.SignatureVerificationError) as error:
        raise NoticeRefused(str(error)) from error
    event = verified.to_dict()
    if event["type"] not in HANDLED_EVENTS:
        return None
    return Notice(provider=Provider.STRIPE, notice_id=event["id"], kind=event["type"], events=_events_of(event))


def _events_of(event: dict[str, Any]) -> tuple[ProviderEvent, ...]:
    obj = event["data"]["object"]
    kind = event["type"]
    if kind == "checkout.session.completed":
        linked = CheckoutCompleted(
            provider=Provider.STRIPE,
            chain_id=int(obj.get("client_reference_id") or obj["metadata"]["chain_id"]),
            customer_id=obj.get("customer") or "",
            subscription_id=obj.get("subscription") or "",
        )
        return (linked, _reported(obj["subscription"]))
    if kind.startswith("invoice."):
        subscription_id = _invoice_subscription_id(obj)
        if not subscription_id:
            return ()
        return (_invoice(obj, subscription_id, paid=kind == "invoice.paid"), _reported(subscription_id))
    return (_reported(obj["id"]),)


def _invoice_subscription_id(invoice: Any) -> str:
    if invoice.get("subscription"):
        return str(invoice["subscription"])
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return str(details.get("subscription") or "")


def _invoice(invoice: Any, subscription_id: str, *, paid: bool) -> InvoiceSettled:
    amount_cents = invoice.get("amount_paid") if paid else invoice.get("amount_due")
    return InvoiceSettled(
        provider=Provider.STRIPE,
        provider_payment_id=invoice["id"],
        subscription_id=subscription_id,
        paid=paid,
        amount=Decimal(int(amount_cents or 0)) / 100,
        currency=str(invoice.get("currency") or "usd").upper(),
        receipt_url=invoice.get("hosted_invoice_url") or "",
    )


def _period_end(remote: Any) -> datetime.datetime | None:
    end = remote.get("current_period_end")
    if end is None:
        items = (remote.get("items") or {}).get("data") or []
        end = items[0].get("current_period_end") if items else None
    return datetime.datetime.fromtimestamp(int(end), tz=datetime.UTC) if end else None


def _plan_of(remote: Any) -> Plan | None:
    items = (remote.get("items") or {}).get("data") or []
    if not items:
        return None
    return Plan.objects.filter(stripe_price_id=items[0]["price"]["id"]).first()


def _reported(stripe_subscription_id: str) -> SubscriptionReported:
    """What Stripe holds now for the subscription (the order of events does not matter)."""
    remote = stripe.Subscription.retrieve(stripe_subscription_id, **_configured()).to_dict()
    chain_id = (remote.get("metadata") or {}).get("chain_id")
    return SubscriptionReported(
        provider=Provider.STRIPE,
        subscription_id=stripe_subscription_id,
        chain_id=int(chain_id) if chain_id else None,
        standing=STANDING_BY_STATUS.get(remote["status"], Standing.OTHER),
        status=remote["status"],
        period_end=_period_end(remote),
        plan=_plan_of(remote),
        cancel_at_period_end=bool(remote.get("cancel_at_period_end")),
        customer_id=remote.get("customer") or "",
    )
