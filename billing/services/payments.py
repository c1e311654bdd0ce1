"""Payments at the providers: the first checkout, what a provider's notification changes, renewals of a saved card.

The adapters (billing.providers) talk to the providers and turn their notifications into events; this module is
where those events change our rows, each once: a Stripe event by its id (ProcessedWebhook), a YooKassa payment
by its Payment row (processed_at). Charges we make ourselves commit their Payment row, with its idempotence key,
before the provider is called, so a retry after a crash sends the same key and is not charged twice.
"""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.errors import PlanNotAvailable
from billing.models import (
    Payment,
    PaymentPurpose,
    PaymentStatus,
    Plan,
    ProcessedWebhook,
    Provider,
    SmsOverageCharge,
    State,
    Subscription,
)
from billing.providers import provider_for
from billing.providers.base import (
    CheckoutCompleted,
    InvoiceSettled,
    Notice,
    PaymentFailed,
    PaymentSucceeded,
    ProviderEvent,
    Standing,
    SubscriptionReported,
)
from billing.selectors import owner_email
from billing.services.subscriptions import (
    apply_pending_plan,
    ensure_subscription,
    new_payment,
    period_length,
    record_payment_failed,
    record_payment_succeeded,
    record_subscription_ended,
)
from tenants.models import Chain

logger = logging.getLogger(__name__)


def start_checkout(*, chain: Chain, plan: Plan, provider: str) -> str:
    """The first payment (or paying again after a failure) at `provider`'s hosted page; returns its URL."""
    subscription = ensure_subscription(chain=chain)
    adapter = provider_for(provider)
    payment = None
    if adapter.charges_saved_card:
        price = adapter.price(plan)
        if price is None:
            raise PlanNotAvailable()
        payment = new_payment(
            subscription=subscription, provider=adapter, purpose=PaymentPurpose.FIRST, plan=plan, amount=price
        )
    checkout = adapter.start_checkout(
        chain=chain, plan=plan, subscription=subscription, payment=payment, email=owner_email(chain.pk)
    )
    if payment is not None:
        payment.provider_payment_id = checkout.provider_payment_id
        payment.confirmation_url = checkout.url
        payment.save(update_fields=["provider_payment_id", "confirmation_url"])
    return checkout.url


def portal_url(*, chain: Chain) -> str:
    """The provider's own page for the owner's cards and invoices (Stripe's customer portal)."""
    subscription = ensure_subscription(chain=chain)
    return provider_for(Provider.STRIPE).portal_url(chain=chain, subscription=subscription)


def record_notice(notice: Notice) -> bool:
    """Apply a verified notification's events once; False when its id was already processed."""
    try:
        with transaction.atomic():
            ProcessedWebhook.objects.create(provider=notice.provider, event_id=notice.notice_id, kind=notice.kind)
            for event in notice.events:
                apply_provider_event(event)
    except IntegrityError:
        logger.info("%s event %s already processed", notice.provider, notice.notice_id)
        return False
    return True


def apply_provider_event(event: ProviderEvent) -> bool:
    """What one provider event changes; False when it changes nothing (unknown, or already processed)."""
    if isinstance(event, CheckoutCompleted):
        Subscription.objects.filter(chain_id=event.chain_id).update(
            stripe_customer_id=event.customer_id, stripe_subscription_id=event.subscription_id
        )
        return True
    if isinstance(event, InvoiceSettled):
        return _record_invoice(event)
    if isinstance(event, SubscriptionReported):
        return _follow_provider_subscription(event)
    return _record_payment_outcome(event)


def _record_invoice(invoice: InvoiceSettled) -> bool:
    subscription = (
        Subscription.objects.filter(stripe_subscription_id=invoice.subscription_id).select_related("plan").first()
    )
    if subscription is None:
        return False
    Payment.objects.update_or_create(
        provider=invoice.provider,
        provider_payment_id=invoice.provider_payment_id,
        defaults={
            "subscription": subscription,
            "purpose": PaymentPurpose.INVOICE,
            "plan": subscription.plan,
            "amount": invoice.amount,
            "currency": invoice.currency,
            "status": PaymentStatus.SUCCEEDED if invoice.paid else PaymentStatus.FAILED,
            "receipt_url": invoice.receipt_url,
            "paid_at": timezone.now() if invoice.paid else None,
            "processed_at": timezone.now(),
        },
    )
    return True


def _follow_provider_subscription(report: SubscriptionReported) -> bool:
    """Bring our row in line with what the provider holds now (the order of its events does not matter)."""
    subscription = Subscription.objects.filter(stripe_subscription_id=report.subscription_id).first()
    if subscription is None:
        subscription = Subscription.objects.filter(chain_id=report.chain_id).first() if report.chain_id else None
        if subscription is None:
            logger.warning("%s subscription %s matches no chain", report.provider, report.subscription_id)
            return False
        Subscription.objects.filter(pk=subscription.pk).update(stripe_subscription_id=report.subscription_id)
    chain_id = subscription.chain_id
    Subscription.objects.filter(pk=subscription.pk).update(
        cancel_at_period_end=report.cancel_at_period_end,
        stripe_customer_id=report.customer_id or subscription.stripe_customer_id,
    )
    if report.standing == Standing.PAID:
        current = Subscription.objects.get(pk=subscription.pk)
        plan, period_end = report.plan, report.period_end
        if plan is not None and plan.pk == current.pending_plan_id:
            # A downgrade waits for the period end: the provider already holds the lower price for the next period.
            renewed = period_end and current.current_period_end and period_end > current.current_period_end
            plan = plan if renewed else None
        if current.state != State.ACTIVE or current.current_period_end != period_end or (plan and plan != current.plan):
            record_payment_succeeded(chain_id=chain_id, provider=report.provider, period_end=period_end, plan=plan)
    elif report.standing == Standing.UNPAID:
        record_payment_failed(chain_id=chain_id, provider=report.provider, reason=report.status)
    elif report.standing == Standing.ENDED:
        record_subscription_ended(chain_id=chain_id)
    return True


@transaction.atomic
def _record_payment_outcome(outcome: PaymentSucceeded | PaymentFailed) -> bool:
    """A payment of ours succeeded or failed at the provider, acted on once (its row's processed_at)."""
    payment = (
        Payment.objects.select_for_update()
        .select_related("subscription", "plan")
        .filter(provider=outcome.provider, provider_payment_id=outcome.provider_payment_id)
        .first()
    )
    if payment is None or payment.processed_at is not None:
        return False
    subscription = payment.subscription
    now = timezone.now()
    payment.processed_at = now
    if isinstance(outcome, PaymentFailed):
        payment.status = PaymentStatus.CANCELLED
        payment.save()
        if payment.purpose == PaymentPurpose.RENEWAL:
            record_payment_failed(chain_id=subscription.chain_id, provider=outcome.provider, reason=outcome.reason)
        return True
    payment.status = PaymentStatus.SUCCEEDED
    payment.paid_at = now
    payment.receipt_url = outcome.receipt_url
    payment.save()
    if outcome.saved_method_id:
        Subscription.objects.filter(pk=subscription.pk).update(yookassa_payment_method_id=outcome.saved_method_id)
    if payment.purpose == PaymentPurpose.UPGRADE:
        return True
    base = subscription.current_period_end
    if payment.purpose == PaymentPurpose.FIRST or base is None or subscription.state != State.ACTIVE or base < now:
        base = now
    record_payment_succeeded(
        chain_id=subscription.chain_id,
        provider=outcome.provider,
        period_end=base + period_length(payment.plan),
        plan=payment.plan,
    )
    return True


def _due_renewal(subscription: Subscription) -> Payment | None:
    """The renewal Payment row for the current period, created (and committed) once with its idempotence key."""
    adapter = provider_for(Provider.YOOKASSA)  # the saved card is a YooKassa card
    period_key = f"renewal:{subscription.current_period_end.isoformat()}"  # type: ignore[union-attr]  # a renewal has one
    plan = subscription.pending_plan or subscription.plan
    price = adapter.price(plan)
    if price is None:
        return None
    try:
        with transaction.atomic():
            # The months' SMS overage not billed yet rides on this charge (billing.services.sms_overage).
            overage = list(
                subscription.sms_overage_charges.select_for_update().filter(
                    payment=None, provider_item_id="", currency=adapter.currency
                )
            )
            payment, created = Payment.objects.get_or_create(
                subscription=subscription,
                period_key=period_key,
                defaults={
                    "provider": adapter.name,
                    "purpose": PaymentPurpose.RENEWAL,
                    "plan": plan,
                    "amount": price + sum((charge.amount for charge in overage), Decimal("0.00")),
                    "currency": adapter.currency,
                    "idempotence_key": uuid.uuid4().hex,
                },
            )
            if created and overage:
                SmsOverageCharge.objects.filter(pk__in=[charge.pk for charge in overage]).update(payment=payment)
    except IntegrityError:
        payment = Payment.objects.get(subscription=subscription, period_key=period_key)
    return payment


def charge_renewal(*, chain_id: int) -> Payment | None:
    """Charge the saved card for the next period. Safe to retry: the same stored key, the same payment."""
    subscription = Subscription.objects.select_related("chain", "plan", "pending_plan").get(chain_id=chain_id)
    if not subscription.yookassa_payment_method_id or subscription.cancel_at_period_end:
        return None
    if subscription.pending_plan is not None:
        apply_pending_plan(chain_id=chain_id)
        subscription.refresh_from_db()
    payment = _due_renewal(subscription)
    if payment is None or payment.processed_at is not None:
        return payment
    charge = provider_for(Provider.YOOKASSA).charge_saved_card(
        payment=payment,
        chain=subscription.chain,
        saved_method_id=subscription.yookassa_payment_method_id,
        email=owner_email(chain_id),
    )
    Payment.objects.filter(pk=payment.pk, provider_payment_id="").update(provider_payment_id=charge.provider_payment_id)
    if charge.outcome is not None:
        _record_payment_outcome(charge.outcome)
    return Payment.objects.get(pk=payment.pk)
