"""YooKassa: first payment on its confirmation page (card saved), renewals with the saved card, notifications.

Each charge gets our own idempotence key, stored in a Payment row and committed BEFORE the API call, so a task
retried after a crash sends the same key and YooKassa returns the same payment instead of charging again.
Notifications are unsigned: the view accepts them only from YooKassa's addresses and we act on Payment.find_one.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from yookassa import Configuration
from yookassa import Payment as YooPayment

from billing import services
from billing.errors import BillingUnavailable, PlanNotAvailable
from billing.models import Payment, PaymentPurpose, PaymentStatus, Period, Plan, Provider, State, Subscription
from tenants.models import Chain

logger = logging.getLogger(__name__)


def _configure() -> None:
    if not (settings.YOOKASSA_SHOP_ID and settings.YOOKASSA_SECRET_KEY):
        raise BillingUnavailable()
    Configuration.configure(settings.YOOKASSA_SHOP_ID, settings.YOOKASSA_SECRET_KEY)
    Configuration.api_url = settings.YOOKASSA_API_URL


def is_allowed_source(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in settings.YOOKASSA_ALLOWED_SOURCES)


def period_length(plan: Plan) -> datetime.timedelta:
    return datetime.timedelta(days=365 if plan.period == Period.YEAR else 30)


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


def _owner_email(chain_id: int) -> str:
    from accounts.models import Membership, Role

    email = (
        Membership.objects.filter(chain_id=chain_id, role=Role.OWNER, is_active=True)
        .order_by("id")
        .values_list("user__email", flat=True)
        .first()
    )
    return email or settings.DEFAULT_FROM_EMAIL


def _params(payment: Payment, chain: Chain, *, saved_method: str = "", return_url: str = "") -> dict[str, Any]:
    description = _("MAX-LOYALTY %(plan)s subscription for %(chain)s") % {
        "plan": payment.plan.name,
        "chain": chain.name,
    }
    params: dict[str, Any] = {
        "amount": {"value": f"{payment.amount:.2f}", "currency": payment.currency},
        "capture": True,
        "description": description[:128],
        "metadata": {"chain_id": str(chain.pk), "payment_id": str(payment.pk), "purpose": payment.purpose},
        "receipt": _receipt(email=_owner_email(chain.pk), description=description, amount=payment.amount),
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


def start_first_payment(*, chain: Chain, plan: Plan, subscription: Subscription) -> str:
    """Create the first payment (card saved for renewals); returns YooKassa's confirmation page URL."""
    if plan.price_rub is None:
        raise PlanNotAvailable()
    payment = Payment.objects.create(
        subscription=subscription,
        provider=Provider.YOOKASSA,
        purpose=PaymentPurpose.FIRST,
        plan=plan,
        amount=plan.price_rub,
        currency="RUB",
        idempotence_key=uuid.uuid4().hex,
    )
    remote = _call_create(_params(payment, chain, return_url=f"{chain.base_url}/billing/"), payment.idempotence_key)
    payment.provider_payment_id = remote.id
    payment.confirmation_url = remote.confirmation.confirmation_url
    payment.save(update_fields=["provider_payment_id", "confirmation_url"])
    return str(payment.confirmation_url)


def _due_renewal(subscription: Subscription) -> Payment | None:
    """The renewal Payment row for the current period, created (and committed) once with its idempotence key."""
    period_key = f"renewal:{subscription.current_period_end.isoformat()}"  # type: ignore[union-attr]
    plan = subscription.pending_plan or subscription.plan
    if plan.price_rub is None:
        return None
    try:
        with transaction.atomic():
            payment, _created = Payment.objects.get_or_create(
                subscription=subscription,
                period_key=period_key,
                defaults={
                    "provider": Provider.YOOKASSA,
                    "purpose": PaymentPurpose.RENEWAL,
                    "plan": plan,
                    "amount": plan.price_rub,
                    "currency": "RUB",
                    "idempotence_key": uuid.uuid4().hex,
                },
            )
    except IntegrityError:
        payment = Payment.objects.get(subscription=subscription, period_key=period_key)
    return payment


def charge_renewal(*, chain_id: int) -> Payment | None:
    """Charge the saved card for the next period. Safe to retry: the same stored key, the same payment."""
    subscription = Subscription.objects.select_related("chain", "plan", "pending_plan").get(chain_id=chain_id)
    if not subscription.yookassa_payment_method_id or subscription.cancel_at_period_end:
        return None
    if subscription.pending_plan is not None:
        services.apply_pending_plan(chain_id=chain_id)
        subscription.refresh_from_db()
    payment = _due_renewal(subscription)
    if payment is None or payment.processed_at is not None:
        return payment
    params = _params(payment, subscription.chain, saved_method=subscription.yookassa_payment_method_id)
    remote = _call_create(params, payment.idempotence_key or "")
    Payment.objects.filter(pk=payment.pk, provider_payment_id="").update(provider_payment_id=remote.id)
    apply_remote_payment(remote)
    return Payment.objects.get(pk=payment.pk)


def charge_upgrade(*, subscription: Subscription, plan: Plan) -> Payment:
    """Upgrade with a saved card: charge the prorated difference for the rest of the paid period now."""
    if plan.price_rub is None or subscription.plan.price_rub is None or subscription.current_period_end is None:
        raise PlanNotAvailable()
    remaining = max(subscription.current_period_end - timezone.now(), datetime.timedelta(0))
    share = Decimal(remaining.total_seconds()) / Decimal(period_length(plan).total_seconds())
    amount = ((plan.price_rub - subscription.plan.price_rub) * min(share, Decimal(1))).quantize(Decimal("0.01"))
    payment = Payment.objects.create(
        subscription=subscription,
        provider=Provider.YOOKASSA,
        purpose=PaymentPurpose.UPGRADE,
        plan=plan,
        amount=max(amount, Decimal("1.00")),
        currency="RUB",
        idempotence_key=uuid.uuid4().hex,
    )
    remote = _call_create(
        _params(payment, subscription.chain, saved_method=subscription.yookassa_payment_method_id),
        payment.idempotence_key or "",
    )
    payment.provider_payment_id = remote.id
    payment.status = PaymentStatus.SUCCEEDED if remote.status == "succeeded" else PaymentStatus.PENDING
    payment.processed_at = timezone.now() if remote.status == "succeeded" else None
    payment.paid_at = payment.processed_at
    payment.save()
    if remote.status == "canceled":
        raise BillingUnavailable(_("The card was declined; the plan was not changed."))
    return payment


def fetch_payment(provider_payment_id: str) -> Any:
    _configure()
    return YooPayment.find_one(provider_payment_id)


@transaction.atomic
def apply_remote_payment(remote: Any) -> bool:
    """Act on the API's answer for one payment, once. False when unknown, still pending or already processed."""
    payment = (
        Payment.objects.select_for_update()
        .select_related("subscription", "plan")
        .filter(provider=Provider.YOOKASSA, provider_payment_id=remote.id)
        .first()
    )
    if payment is None or payment.processed_at is not None or remote.status not in ("succeeded", "canceled"):
        return False
    subscription = payment.subscription
    now = timezone.now()
    payment.processed_at = now
    if remote.status == "canceled":
        payment.status = PaymentStatus.CANCELLED
        payment.save()
        if payment.purpose == PaymentPurpose.RENEWAL:
            services.record_payment_failed(
                chain_id=subscription.chain_id, provider=Provider.YOOKASSA, reason="canceled"
            )
        return True
    payment.status = PaymentStatus.SUCCEEDED
    payment.paid_at = now
    payment.receipt_url = f"{settings.YOOKASSA_RECEIPT_URL}{remote.id}" if settings.YOOKASSA_RECEIPT_URL else ""
    payment.save()
    method = getattr(remote, "payment_method", None)
    if method is not None and getattr(method, "saved", False):
        Subscription.objects.filter(pk=subscription.pk).update(yookassa_payment_method_id=method.id)
    if payment.purpose == PaymentPurpose.UPGRADE:
        return True
    base = subscription.current_period_end
    if payment.purpose == PaymentPurpose.FIRST or base is None or subscription.state != State.ACTIVE or base < now:
        base = now
    services.record_payment_succeeded(
        chain_id=subscription.chain_id,
        provider=Provider.YOOKASSA,
        period_end=base + period_length(payment.plan),
        plan=payment.plan,
    )
    return True


def renewals_due(now: datetime.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Subscription.objects.filter(
            provider=Provider.YOOKASSA,
            state__in=(State.ACTIVE, State.PAST_DUE),
            current_period_end__lte=now + datetime.timedelta(hours=settings.YOOKASSA_RENEW_HOURS_BEFORE),
            cancel_at_period_end=False,
        )
        .exclude(yookassa_payment_method_id="")
        .values_list("chain_id", flat=True)
    )
