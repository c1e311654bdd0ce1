"""Reads: a chain's subscription and plan, its history and payments, the owner's contact, staff figures, renewals due,
this month's messages by channel and the SMS allowance.

Nothing here writes: a chain that predates billing (no subscription yet) reads as on the trial plan until a
service starts its trial (billing.services.ensure_subscription: the billing pages and the request middleware).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import caches
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from billing.models import (
    BillingEvent,
    Payment,
    Period,
    Plan,
    Provider,
    SmsOverage,
    SmsOverageCharge,
    State,
    Subscription,
)
from messaging.models import Channel, Message
from tenants.models import Chain

TRIAL_PLAN_CODE = "trial"
# Every change of state or plan drops the entry (billing/signals.py, services._note), so it may live long.
SNAPSHOT_TTL_SECONDS = 3600


def current_subscription(chain: Chain) -> Subscription | None:
    """The chain's subscription, None for a chain that predates billing (its trial is not started yet)."""
    return Subscription.objects.select_related("plan", "pending_plan").filter(chain_id=chain.pk).first()


def plan_of(chain: Chain) -> Plan:
    """The plan the chain is on: its subscription's, or the trial plan every chain starts on."""
    subscription = current_subscription(chain)
    return subscription.plan if subscription is not None else Plan.objects.get(code=TRIAL_PLAN_CODE)


def snapshot_key(chain_id: int) -> str:
    return f"billing:snapshot:{chain_id}"


def billing_snapshot(chain: Chain) -> dict[str, object] | None:
    """What the request middleware needs (state, API access), cached per chain and dropped on every change.

    None for a chain without a subscription yet (nothing cached: the caller starts its trial and asks again).
    """
    cache = caches["platform"]
    key = snapshot_key(chain.pk)
    snapshot: dict[str, object] | None = cache.get(key)
    if snapshot is None:
        subscription = current_subscription(chain)
        if subscription is None:
            return None
        snapshot = {"state": subscription.state, "api_access": subscription.plan.api_access}
        cache.set(key, snapshot, SNAPSHOT_TTL_SECONDS)
    return snapshot


def owner_email(chain_id: int) -> str:
    """The first owner's email (the buyer on a fiscal receipt); the platform's sender address when none."""
    from accounts.models import Membership, Role

    email = (
        Membership.objects.filter(chain_id=chain_id, role=Role.OWNER, is_active=True)
        .order_by("id")
        .values_list("user__email", flat=True)
        .first()
    )
    return email or settings.DEFAULT_FROM_EMAIL


def renewals_due(now: datetime.datetime | None = None) -> list[int]:
    """Chains whose saved YooKassa card is to be charged now (YOOKASSA_RENEW_HOURS_BEFORE the period ends)."""
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


def sms_overage_charges_of(subscription: Subscription, limit: int = 12) -> QuerySet[SmsOverageCharge]:
    """The closed months' SMS overage, newest first, with the invoice each went on (billing.services.sms_overage)."""
    return subscription.sms_overage_charges.select_related("payment").all()[:limit]


def public_plans() -> QuerySet[Plan]:
    return Plan.objects.filter(is_public=True).exclude(code=TRIAL_PLAN_CODE)


def events_of(subscription: Subscription, limit: int = 50) -> QuerySet[BillingEvent]:
    return subscription.events.all()[:limit]


def payments_of(subscription: Subscription, limit: int = 50) -> QuerySet[Payment]:
    return subscription.payments.select_related("plan").all()[:limit]


def monthly_amount(plan: Plan, currency: str) -> Decimal:
    price = plan.price_in(currency) or Decimal("0")
    return (price / 12).quantize(Decimal("0.01")) if plan.period == Period.YEAR else price


@dataclass(frozen=True)
class ChainBillingRow:
    chain: Chain
    subscription: Subscription
    mrr: Decimal
    currency: str


@dataclass(frozen=True)
class PlatformFigures:
    rows: list[ChainBillingRow]
    mrr_by_currency: dict[str, Decimal]
    paying_at_month_start: int
    churned_this_month: int

    @property
    def churn_percent(self) -> Decimal:
        if not self.paying_at_month_start:
            return Decimal("0")
        return (Decimal(100) * self.churned_this_month / self.paying_at_month_start).quantize(Decimal("0.1"))


def platform_figures(now: datetime.datetime | None = None) -> PlatformFigures:
    """Every chain with plan, state and MRR; churn = paying chains at month start that were cancelled this month."""
    now = now or timezone.now()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = []
    totals: dict[str, Decimal] = {}
    subscriptions = Subscription.objects.select_related("chain", "plan").order_by("chain__name")
    for subscription in subscriptions:
        currency = "RUB" if subscription.provider == "yookassa" else "USD"
        if subscription.provider == "":
            currency = "RUB" if subscription.chain.currency == "RUB" else "USD"
        paying = subscription.state in (State.ACTIVE, State.PAST_DUE)
        mrr = monthly_amount(subscription.plan, currency) if paying else Decimal("0")
        rows.append(ChainBillingRow(subscription.chain, subscription, mrr, currency))
        if mrr:
            totals[currency] = totals.get(currency, Decimal("0")) + mrr
    churned = Subscription.objects.filter(state=State.CANCELLED, cancelled_at__gte=month_start).count()
    paying_now = Subscription.objects.filter(state__in=(State.ACTIVE, State.PAST_DUE, State.SUSPENDED)).exclude(
        created_at__gte=month_start
    )
    return PlatformFigures(rows, totals, paying_now.count() + churned, churned)


# --- Messages by channel and the SMS allowance --------------------------------------------------------------


def usage_period_start(now: datetime.datetime | None = None) -> datetime.datetime:
    """Where the monthly message figures start: the calendar month (UTC), like the plan's messages per month."""
    now = now or timezone.now()
    return now.astimezone(datetime.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class ChannelUsage:
    """What the chain sent this period, by channel (messages handed to a provider)."""

    sms_parts: int
    emails: int
    telegram_messages: int


def channel_usage(now: datetime.datetime | None = None) -> ChannelUsage:
    """This period's messages of the chain whose schema is active (messaging's one log of messages)."""
    start = usage_period_start(now)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    figures = Message.objects.filter(sent_at__gte=start, sent_at__lt=end).aggregate(
        sms_parts=Sum("parts", filter=Q(channel=Channel.SMS), default=0),
        emails=Count("id", filter=Q(channel=Channel.EMAIL)),
        telegram=Count("id", filter=Q(channel=Channel.TELEGRAM)),
    )
    return ChannelUsage(figures["sms_parts"], figures["emails"], figures["telegram"])


@dataclass(frozen=True)
class SmsAllowance:
    used: int  # SMS parts sent this period
    allowance: int | None  # None: unlimited
    overage: str  # SmsOverage
    part_price: Decimal | None  # in `currency`, when extra parts are billed
    currency: str

    @property
    def extra_parts(self) -> int:
        return max(0, self.used - self.allowance) if self.allowance is not None else 0

    @property
    def extra_amount(self) -> Decimal:
        """What the extra parts cost this period (billed plans); Decimal zero otherwise."""
        if self.overage != SmsOverage.BILL or self.part_price is None:
            return Decimal("0.00")
        return (self.part_price * self.extra_parts).quantize(Decimal("0.01"))

    @property
    def is_blocked(self) -> bool:
        """No more SMS this period: the allowance is used up and the plan blocks past it."""
        return self.overage == SmsOverage.BLOCK and self.allowance is not None and self.used >= self.allowance

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.used / self.allowance)) if self.allowance else 0


def sms_allowance(chain: Chain, now: datetime.datetime | None = None) -> SmsAllowance:
    """The chain's SMS allowance and this period's use of it (run in the chain's schema)."""
    plan = plan_of(chain)
    return SmsAllowance(
        used=channel_usage(now).sms_parts,
        allowance=plan.sms_parts_per_month,
        overage=plan.sms_overage,
        part_price=plan.sms_part_price_in(chain.currency),
        currency=chain.currency,
    )
