"""SMS parts past the plan's allowance, billed: a closed month's extra parts on a plan that bills them, priced and
recorded once per chain and month, then put on the chain's next invoice the way billing charges it. We charge a
YooKassa card ourselves, so the next renewal's amount includes the open charges (billing.services.payments);
Stripe runs the subscription and bills it, so the charge becomes an invoice item that Stripe adds to the
subscription's next invoice."""

from __future__ import annotations

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from billing.errors import BillingUnavailable
from billing.models import Provider, SmsOverage, SmsOverageCharge, Subscription
from billing.providers import provider_for
from billing.selectors import current_subscription, sms_allowance, usage_period_start
from billing.services.subscriptions import _note
from tenants.models import Chain

logger = logging.getLogger(__name__)


def close_sms_month(*, chain: Chain, now: datetime.datetime | None = None) -> SmsOverageCharge | None:
    """The month before `now`'s: its SMS parts past the allowance, when the chain's plan bills them, recorded once
    (a rerun returns the recorded charge) and put on the next invoice. Run in the chain's schema: it counts the
    chain's messages. None when nothing is owed."""
    subscription = current_subscription(chain)
    if subscription is None:
        return None
    month_start = usage_period_start(usage_period_start(now) - datetime.timedelta(days=1))
    charge = _record_charge(chain, subscription, month_start)
    if charge is not None and subscription.provider == Provider.STRIPE:
        add_charges_to_stripe_invoice(subscription=subscription)
        charge.refresh_from_db()
    return charge


@transaction.atomic
def _record_charge(chain: Chain, subscription: Subscription, month_start: datetime.datetime) -> SmsOverageCharge | None:
    existing = SmsOverageCharge.objects.filter(subscription=subscription, month=month_start.date()).first()
    if existing is not None:
        return existing
    allowance = sms_allowance(chain, month_start)
    if allowance.overage != SmsOverage.BILL or allowance.part_price is None or not allowance.extra_amount:
        return None
    try:
        with transaction.atomic():
            charge = SmsOverageCharge.objects.create(
                subscription=subscription,
                month=month_start.date(),
                parts=allowance.extra_parts,
                part_price=allowance.part_price,
                amount=allowance.extra_amount,
                currency=allowance.currency,
            )
    except IntegrityError:  # another worker closed the same month
        return SmsOverageCharge.objects.get(subscription=subscription, month=month_start.date())
    _note(
        subscription,
        kind="sms_overage",
        description=_(
            "%(parts)s SMS parts past the allowance in %(month)s: %(amount)s %(currency)s, on the next invoice"
        )
        % {
            "parts": charge.parts,
            "month": f"{charge.month:%Y-%m}",
            "amount": charge.amount,
            "currency": charge.currency,
        },
        from_state=subscription.state,
        data={"month": charge.month.isoformat(), "parts": charge.parts, "amount": str(charge.amount)},
    )
    return charge


def add_charges_to_stripe_invoice(*, subscription: Subscription) -> int:
    """Every open charge of a Stripe subscription becomes an invoice item on its next invoice (the charge's id
    is the idempotency key, so a retry after a crash adds nothing twice). The number of charges added."""
    adapter = provider_for(Provider.STRIPE)
    added = 0
    for charge in subscription.sms_overage_charges.filter(payment=None, provider_item_id=""):
        try:
            item_id = adapter.add_to_next_invoice(
                subscription=subscription,
                amount=charge.amount,
                currency=charge.currency,
                description=f"SMS past the allowance, {charge.month:%Y-%m}: {charge.parts} × {charge.part_price}",
                idempotency_key=f"sms-overage-{charge.pk}",
            )
        except BillingUnavailable:
            logger.warning("Stripe invoice item for SMS overage charge %s failed; retried next run", charge.pk)
            break
        SmsOverageCharge.objects.filter(pk=charge.pk, provider_item_id="").update(provider_item_id=item_id)
        added += 1
    return added
