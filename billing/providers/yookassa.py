"""YooKassa: the first payment on its confirmation page (card saved), charges of the saved card, notifications.

We run the subscription ourselves: each charge is a Payment row whose idempotence key billing.services commits
BEFORE the call here, so a task retried after a crash sends the same key and YooKassa returns the same payment
instead of charging again. Notifications are unsigned: the webhook accepts them only from YooKassa's addresses
and we act on what the API answers for the payment (fetch_payment), never on the notification's body.
"""

from __future__ import annotations

import ipaddress
import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from yookassa import Configuration
from yookassa import Payment as YooPayment

from billing.errors import BillingUnavailable, PlanNotAvailable
from billing.models import Payment, Plan, Provider, Subscription
from billing.providers.base import Charge, Checkout, PaymentFailed, PaymentProvider, PaymentSucceeded, register
from tenants.models import Chain

logger = logging.getLogger(__name__)


def _configure() -> None:
    if not (settings.YOOKASSA_SHOP_ID and settings.YOOKASSA_SECRET_KEY):
        raise BillingUnavailable()
    Configuration.configure(settings.YOOKASSA_SHOP_ID, settings.YOOKASSA_SECRET_KEY)
    Configuration.api_url = settings.YOOKASSA_API_URL


def is_allowed_source(address: str) -> bool:
    """Whether a notification comes from one of YooKassa's published addresses (YOOKASSA_ALLOWED_SOURCES)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in settings.YOOKASSA_ALLOWED_SOURCES)


def _receipt(*, email: str, description: str, amount: Decimal) -> dict[str, Any]:
    """54-FZ fiscal receipt: the buyer's contact and one line of a fully prepaid service."""
    return {
        "customer": {"email": email},
        "items": [
            {
                "description": description[:128],
                "quantity": "1.00",
                "amount": {"value": f"{amount:.2f}", "currency": "RUB"},
                "vat_code": settings.YOOKASSA_VAT_CODE,
                "payment_mode": "full_prepayment",
                "payment_subject": "service",
            }
        ],
    }


def _params(
    payment: Payment, chain: Chain, *, email: str, saved_method: str = "", return_url: str = ""
) -> dict[str, Any]:
    description = _("MAX-LOYALTY %(plan)s subscription for %(chain)s") % {
        "plan": payment.plan.name,
        "chain": chain.name,
    }
    params: dict[str, Any] = {
        "amount": {"value": f"{payment.amount:.2f}", "currency": payment.currency},
        "capture": True,
        "description": description[:128],
        "metadata": {"chain_id": str(chain.pk), "payment_id": str(payment.pk), "purpose": payment.purpose},
        "receipt": _receipt(email=email, description=description, amount=payment.amount),
    }
    if saved_method:
        params["payment_method_id"] = saved_method
    else:
        params["save_payment_method"] = True
        params["confirmation"] = {"type": "redirect", "return_url": return_url}
    return params


def _call_create(params: dict[str, Any], key: str) -> Any:
    _configure()
    try:
        return YooPayment.create(params, key)
    except Exception as error:  # the SDK raises its own ApiError family and requests' errors
        logger.warning("YooKassa payment create failed: %s", error)
        raise BillingUnavailable() from error


def _outcome(remote: Any) -> PaymentSucceeded | PaymentFailed | None:
    """The API's answer for one payment as our event; None while it is still pending."""
    if remote.status == "canceled":
        return PaymentFailed(provider=Provider.YOOKASSA, provider_payment_id=remote.id, reason="canceled")
    if remote.status != "succeeded":
        return None
    method = getattr(remote, "payment_method", None)
    saved = method is not None and getattr(method, "saved", False)
    return PaymentSucceeded(
        provider=Provider.YOOKASSA,
        provider_payment_id=remote.id,
        saved_method_id=method.id if saved and method is not None else "",
        receipt_url=f"{settings.YOOKASSA_RECEIPT_URL}{remote.id}" if settings.YOOKASSA_RECEIPT_URL else "",
    )


def fetch_payment(provider_payment_id: str) -> PaymentSucceeded | PaymentFailed | None:
    """What the API says now of a payment a notification names (None: still pending). Raises when the API does
    not answer: the webhook asks YooKassa to deliver the notification again."""
    _configure()
    return _outcome(YooPayment.find_one(provider_payment_id))


@register
class YooKassaProvider(PaymentProvider):
    name = Provider.YOOKASSA
    charges_saved_card = True
    currency = "RUB"

    def price(self, plan: Plan) -> Decimal | None:
        return plan.price_rub

    def start_checkout(
        self, *, chain: Chain, plan: Plan, subscription: Subscription, payment: Payment | None, email: str
    ) -> Checkout:
        """Create the first payment (card saved for renewals) with `payment`'s key; the confirmation page."""
        if payment is None:
            raise PlanNotAvailable()
        params = _params(payment, chain, email=email, return_url=f"{chain.base_url}/billing/")
        remote = _call_create(params, payment.idempotence_key or "")
        return Checkout(url=remote.confirmation.confirmation_url, provider_payment_id=remote.id)

    def charge_saved_card(self, *, payment: Payment, chain: Chain, saved_method_id: str, email: str) -> Charge:
        params = _params(payment, chain, email=email, saved_method=saved_method_id)
        remote = _call_create(params, payment.idempotence_key or "")
        return Charge(provider_payment_id=remote.id, outcome=_outcome(remote))
