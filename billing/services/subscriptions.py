"""The subscription life cycle: trial, payment, failed payment with grace, suspension, plan changes, cancellation.

Every state change writes a BillingEvent (the owner's history) and an audit entry in the chain's schema.
What a provider must do for a plan change or a cancellation goes through its adapter (billing.providers).
"""

from __future__ import annotations

import datetime
import logging
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.actors import Actor
from audit.services import record_audit
from billing.errors import BillingUnavailable, PaymentRequired, PlanNotAvailable
from billing.limits import COUNTED_LIMITS, LIMIT_LABELS, count_usage, plan_figure
from billing.models import (
    BillingEvent,
    Payment,
    PaymentPurpose,
    PaymentStatus,
    Period,
    Plan,
    State,
    Subscription,
)
from billing.providers import PaymentProvider, provider_for
from billing.providers.base import PaymentSucceeded
from billing.selectors import TRIAL_PLAN_CODE, owner_email, snapshot_key
from maxloyalty.task_queue import enqueue_after_commit
from tenants.models import Chain, ChainStatus
from tenants.routing import forget_chain

logger = logging.getLogger(__name__)


def forget_cached_state(chain_id: int) -> None:
    caches["platform"].delete(snapshot_key(chain_id))


def _note(
    subscription: Subscription,
    *,
    kind: str,
    description: str,
    actor: Actor = None,
    from_state: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    BillingEvent.objects.create(
        subscription=subscription,
        kind=kind,
        from_state=from_state,
        to_state=subscription.state,
        description=description[:300],
        data=data or {},
    )
    with schema_context(subscription.chain.schema_name):
        record_audit(
            action=f"billing.{kind}",
            actor=actor,
            target=subscription.chain,
            changes={"state": [from_state, subscription.state]} if from_state != subscription.state else None,
            data={"plan": subscription.plan.code, **(data or {})},
        )
    chain_id = subscription.chain_id
    transaction.on_commit(lambda: forget_cached_state(chain_id))
    forget_cached_state(chain_id)


# What the chain's own status says for each subscription state (a closed chain stays closed: closing is the
# platform's decision, not billing's). Payment overdue still works during the grace period.
CHAIN_STATUS_BY_STATE: dict[str, ChainStatus] = {
    State.TRIALING: ChainStatus.TRIAL,
    State.ACTIVE: ChainStatus.ACTIVE,
    State.PAST_DUE: ChainStatus.ACTIVE,
    State.SUSPENDED: ChainStatus.SUSPENDED,
    State.CANCELLED: ChainStatus.SUSPENDED,
}


def _sync_chain_status(subscription: Subscription) -> None:
    chain = subscription.chain
    status = CHAIN_STATUS_BY_STATE.get(subscription.state)
    if status is None or chain.status in (status, ChainStatus.CLOSED):
        return
    chain.status = status
    # An UPDATE, not save(): billing runs in any schema, and django-tenants saves a chain only from its own.
    Chain.objects.filter(pk=chain.pk).update(status=status)
    forget_chain(chain)  # the cached host routing carries the status


def _set_state(
    subscription: Subscription, state: str, *, kind: str, description: str, actor: Actor = None, **data: Any
) -> Subscription:
    before = subscription.state
    subscription.state = state
    subscription.save()
    _sync_chain_status(subscription)
    _note(subscription, kind=kind, description=description, actor=actor, from_state=before, data=data)
    return subscription


@transaction.atomic
def start_trial(*, chain: Chain, actor: Actor = None) -> Subscription:
    """Every chain starts on the Trial plan (called by tenants.services.create_chain)."""
    existing = Subscription.objects.filter(chain_id=chain.pk).first()
    if existing is not None:
        return existing
    plan = Plan.objects.get(code=TRIAL_PLAN_CODE)
    subscription = Subscription.objects.create(
        chain=chain,
        plan=plan,
        state=State.TRIALING,
        trial_ends_at=timezone.now() + datetime.timedelta(days=plan.trial_days),
    )
    _note(
        subscription, kind="trial_started", description=_("Trial started"), actor=actor, data={"days": plan.trial_days}
    )
    return subscription


def ensure_subscription(*, chain: Chain) -> Subscription:
    """The chain's subscription; a chain that predates billing gets its trial now (as every new chain has one)."""
    subscription = Subscription.objects.select_related("plan", "pending_plan").filter(chain_id=chain.pk).first()
    return subscription if subscription is not None else start_trial(chain=chain)


def locked(chain_id: int) -> Subscription:
    return Subscription.objects.select_for_update().select_related("chain", "plan").get(chain_id=chain_id)


@transaction.atomic
def record_payment_succeeded(
    *, chain_id: int, provider: str, period_end: datetime.datetime | None, plan: Plan | None = None
) -> Subscription:
    """A payment went through: active at once (also out of past_due or suspended), paid up to `period_end`."""
    subscription = locked(chain_id)
    subscription.provider = provider
    if plan is not None:
        subscription.plan = plan
        if subscription.pending_plan_id == plan.pk:
            subscription.pending_plan = None
    if period_end is not None:
        subscription.current_period_end = period_end
    subscription.past_due_since = None
    subscription.grace_ends_at = None
    subscription.last_reminder_at = None
    subscription.cancelled_at = None
    return _set_state(subscription, State.ACTIVE, kind="payment_succeeded", description=_("Payment received"))


@transaction.atomic
def record_payment_failed(*, chain_id: int, provider: str, reason: str = "") -> Subscription:
    """A charge failed: past_due with the grace period (BILLING_GRACE_DAYS); the first reminder goes out now."""
    subscription = locked(chain_id)
    if subscription.state in (State.PAST_DUE, State.SUSPENDED):
        _note(subscription, kind="payment_failed", description=_("Payment failed again"), from_state=subscription.state)
        return subscription
    now = timezone.now()
    subscription.provider = provider or subscription.provider
    subscription.past_due_since = now
    subscription.grace_ends_at = now + datetime.timedelta(days=settings.BILLING_GRACE_DAYS)
    subscription.last_reminder_at = now  # the first reminder goes out right after commit
    _set_state(
        subscription,
        State.PAST_DUE,
        kind="payment_failed",
        description=_("Payment failed: pay within the grace period to keep full access"),
        reason=reason,
    )
    _remind_after_commit(subscription.chain_id)
    return subscription


def _remind_after_commit(chain_id: int) -> None:
    enqueue_after_commit("billing.tasks.send_payment_reminder_email", chain_id=chain_id)


def send_payment_reminder(*, chain_id: int) -> int:
    """Email every owner of the chain how to pay before the chain becomes read-only; returns emails sent."""
    from accounts.models import Membership, Role

    subscription = Subscription.objects.select_related("chain", "plan").get(chain_id=chain_id)
    owners = list(
        Membership.objects.filter(chain_id=chain_id, role=Role.OWNER, is_active=True).values_list(
            "user__email", flat=True
        )
    )
    if not owners:
        return 0
    chain = subscription.chain
    deadline = subscription.grace_ends_at
    subject = _("Payment for %(chain)s failed") % {"chain": chain.name}
    body = _(
        "We could not charge the subscription of %(chain)s. Pay on the Billing page before %(deadline)s, "
        "otherwise the chain becomes read-only: %(url)s"
    ) % {
        "chain": chain.name,
        "deadline": deadline.strftime("%Y-%m-%d %H:%M UTC") if deadline else "-",
        "url": f"{chain.base_url}/billing/",
    }
    send_mail(subject, body, None, owners)
    Subscription.objects.filter(pk=subscription.pk).update(last_reminder_at=timezone.now())
    return len(owners)


REMINDER_INTERVAL = datetime.timedelta(days=2)
# A paid period that ended this long ago without a renewal (no card, provider silent) counts as a failed payment.
UNPAID_PERIOD_SLACK = datetime.timedelta(days=1)


def advance_subscriptions(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The schedule (Celery beat, hourly): ended trials and grace periods, reminders, period ends."""
    now = now or timezone.now()
    done = {"trial_ended": 0, "unpaid": 0, "suspended": 0, "reminded": 0, "cancelled": 0, "downgraded": 0}
    for chain_id in Subscription.objects.filter(state=State.TRIALING, trial_ends_at__lte=now).values_list(
        "chain_id", flat=True
    ):
        _end_trial(chain_id, now)
        done["trial_ended"] += 1
    for chain_id in Subscription.objects.filter(state=State.PAST_DUE, grace_ends_at__lte=now).values_list(
        "chain_id", flat=True
    ):
        _suspend(chain_id)
        done["suspended"] += 1
    unpaid = Subscription.objects.filter(
        state=State.ACTIVE, cancel_at_period_end=False, current_period_end__lte=now - UNPAID_PERIOD_SLACK
    )
    for chain_id in unpaid.values_list("chain_id", flat=True):
        record_payment_failed(chain_id=chain_id, provider="", reason="period_not_renewed")
        done["unpaid"] += 1
    due_reminders = Subscription.objects.filter(state=State.PAST_DUE, grace_ends_at__gt=now).exclude(
        last_reminder_at__gt=now - REMINDER_INTERVAL
    )
    for chain_id in due_reminders.values_list("chain_id", flat=True):
        send_payment_reminder(chain_id=chain_id)
        done["reminded"] += 1
    ended = Subscription.objects.filter(current_period_end__lte=now, state=State.ACTIVE)
    for chain_id in ended.filter(cancel_at_period_end=True).values_list("chain_id", flat=True):
        _cancel_now(chain_id)
        done["cancelled"] += 1
    for chain_id in ended.filter(pending_plan__isnull=False).values_list("chain_id", flat=True):
        apply_pending_plan(chain_id=chain_id)
        done["downgraded"] += 1
    return done


@transaction.atomic
def _end_trial(chain_id: int, now: datetime.datetime) -> None:
    subscription = locked(chain_id)
    if subscription.state != State.TRIALING:
        return
    subscription.past_due_since = now
    subscription.grace_ends_at = now + datetime.timedelta(days=settings.BILLING_GRACE_DAYS)
    subscription.last_reminder_at = now
    _set_state(subscription, State.PAST_DUE, kind="trial_ended", description=_("Trial ended: choose a plan and pay"))
    _remind_after_commit(chain_id)


@transaction.atomic
def _suspend(chain_id: int) -> None:
    subscription = locked(chain_id)
    if subscription.state != State.PAST_DUE:
        return
    _set_state(
        subscription,
        State.SUSPENDED,
        kind="suspended",
        description=_("Grace period over: the chain is read-only until the subscription is paid"),
    )


@transaction.atomic
def _cancel_now(chain_id: int) -> None:
    subscription = locked(chain_id)
    if subscription.state == State.CANCELLED:
        return
    subscription.cancelled_at = timezone.now()
    subscription.cancel_at_period_end = False
    _set_state(subscription, State.CANCELLED, kind="cancelled", description=_("Subscription ended"))


def record_subscription_ended(*, chain_id: int) -> None:
    """The provider reports the subscription gone (Stripe customer.subscription.deleted)."""
    _cancel_now(chain_id)


@transaction.atomic
def apply_pending_plan(*, chain_id: int) -> Subscription:
    subscription = locked(chain_id)
    if subscription.pending_plan is None:
        return subscription
    old = subscription.plan.code
    subscription.plan = subscription.pending_plan
    subscription.pending_plan = None
    subscription.save()
    _note(
        subscription,
        kind="plan_changed",
        description=_("Plan changed to %(plan)s") % {"plan": subscription.plan.name},
        from_state=subscription.state,
        data={"from": old, "to": subscription.plan.code},
    )
    return subscription


def objects_over(chain: Chain, plan: Plan) -> list[str]:
    """What exceeds `plan`'s limits now, named for the owner ("Restaurants: 4 of 3")."""
    over = []
    for limit in COUNTED_LIMITS:
        figure = plan_figure(plan, limit)
        if figure is None:
            continue
        used = count_usage(chain, limit, exact=True)
        if used > figure:
            over.append(
                _("%(name)s: %(used)s used, the plan allows %(figure)s")
                % {"name": LIMIT_LABELS[limit], "used": used, "figure": figure}
            )
    return over


def is_upgrade(current: Plan, new: Plan) -> bool:
    return new.rank > current.rank


@transaction.atomic
def change_plan(*, chain: Chain, plan: Plan, actor: Actor) -> tuple[Subscription, list[str]]:
    """Upgrade at once (the provider prorates); downgrade at period end. Returns the objects over the new plan."""
    if plan.code == TRIAL_PLAN_CODE or not plan.is_public:
        raise PlanNotAvailable()
    subscription = locked(chain.pk)
    if subscription.state != State.ACTIVE or not subscription.provider:
        raise PaymentRequired()
    if plan.pk == subscription.plan_id:
        subscription.pending_plan = None
        subscription.save()
        return subscription, []
    over = objects_over(chain, plan)
    provider = provider_for(subscription.provider)
    if is_upgrade(subscription.plan, plan):
        old = subscription.plan.code
        if not provider.charges_saved_card:
            provider.change_price(subscription=subscription, plan=plan, upgrade=True)
        elif subscription.yookassa_payment_method_id:
            _charge_upgrade(provider, subscription=subscription, plan=plan)
        subscription.plan = plan
        subscription.pending_plan = None
        subscription.save()
        _note(
            subscription,
            kind="plan_changed",
            description=_("Plan changed to %(plan)s") % {"plan": plan.name},
            actor=actor,
            from_state=subscription.state,
            data={"from": old, "to": plan.code},
        )
        return subscription, over
    # A provider running the subscription bills the new price from the next period; the paid period keeps the
    # current plan.
    provider.change_price(subscription=subscription, plan=plan, upgrade=False)
    subscription.pending_plan = plan
    subscription.save()
    _note(
        subscription,
        kind="downgrade_scheduled",
        description=_("Plan changes to %(plan)s at the end of the paid period") % {"plan": plan.name},
        actor=actor,
        from_state=subscription.state,
        data={"to": plan.code, "over_limit": over},
    )
    return subscription, over


@transaction.atomic
def cancel_at_period_end(*, chain: Chain, actor: Actor) -> Subscription:
    """The chain keeps everything it paid for until the period ends, then the subscription is cancelled."""
    subscription = locked(chain.pk)
    if subscription.provider:
        provider_for(subscription.provider).cancel_at_period_end(subscription=subscription)
    subscription.cancel_at_period_end = True
    subscription.save()
    _note(
        subscription,
        kind="cancellation_scheduled",
        description=_("Cancelled: access continues until the end of the paid period"),
        actor=actor,
        from_state=subscription.state,
    )
    return subscription


def period_length(plan: Plan) -> datetime.timedelta:
    """One paid period of `plan` when we charge the card ourselves (a year, or 30 days)."""
    return datetime.timedelta(days=365 if plan.period == Period.YEAR else 30)


def new_payment(
    *, subscription: Subscription, provider: PaymentProvider, purpose: str, plan: Plan, amount: Decimal
) -> Payment:
    """Our row of a charge we make, with the idempotence key the provider gets (written before the call)."""
    return Payment.objects.create(
        subscription=subscription,
        provider=provider.name,
        purpose=purpose,
        plan=plan,
        amount=amount,
        currency=provider.currency,
        idempotence_key=uuid.uuid4().hex,
    )


def _charge_upgrade(provider: PaymentProvider, *, subscription: Subscription, plan: Plan) -> Payment:
    """Upgrade with a saved card: charge the prorated difference for the rest of the paid period now."""
    new_price, old_price = provider.price(plan), provider.price(subscription.plan)
    if new_price is None or old_price is None or subscription.current_period_end is None:
        raise PlanNotAvailable()
    remaining = max(subscription.current_period_end - timezone.now(), datetime.timedelta(0))
    share = Decimal(remaining.total_seconds()) / Decimal(period_length(plan).total_seconds())
    amount = ((new_price - old_price) * min(share, Decimal(1))).quantize(Decimal("0.01"))
    payment = new_payment(
        subscription=subscription,
        provider=provider,
        purpose=PaymentPurpose.UPGRADE,
        plan=plan,
        amount=max(amount, Decimal("1.00")),
    )
    charge = provider.charge_saved_card(
        payment=payment,
        chain=subscription.chain,
        saved_method_id=subscription.yookassa_payment_method_id,
        email=owner_email(subscription.chain_id),
    )
    succeeded = isinstance(charge.outcome, PaymentSucceeded)
    payment.provider_payment_id = charge.provider_payment_id
    payment.status = PaymentStatus.SUCCEEDED if succeeded else PaymentStatus.PENDING
    payment.processed_at = timezone.now() if succeeded else None
    payment.paid_at = payment.processed_at
    payment.save()
    if charge.outcome is not None and not succeeded:
        raise BillingUnavailable(_("The card was declined; the plan was not changed."))
    return payment
