"""Reads of the loyalty program shared by the API, pages, services and tasks.

The program settings, the levels and the chain's time zone are read on every earn or spend, so they are kept in the
(chain-scoped) Redis cache until changed: loyalty.signals deletes the entry when a ProgramSettings, Level, Promo or
PromoCode row changes.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils import timezone

from accounts.access import ChainAccess
from guests.models import Guest
from loyalty import rules
from loyalty.backtest_rules import ProgramVersion
from loyalty.errors import BacktestNotFound, DraftNotFound
from loyalty.models import (
    AppliedCheck,
    Backtest,
    LedgerEntry,
    LedgerKey,
    Level,
    LevelThresholdMode,
    PointsAccount,
    ProgramDraft,
    ProgramSettings,
    Promo,
    PromoCode,
)
from maxloyalty.current_schema import current_schema_name, current_tenant
from maxloyalty.local_cache import LocalTTLCache
from tenants.models import Chain

PROGRAM_CACHE_KEY = "loyalty:program:v1"
PROMOS_CACHE_KEY = "loyalty:promos:v1"
PROGRAM_CACHE_SECONDS = 3600  # also bounds how long a changed chain time zone takes to apply
PROMOS_CACHE_SECONDS = 300


@dataclass(frozen=True)
class ProgramContext:
    program: rules.ProgramSnapshot
    levels: tuple[rules.LevelSnapshot, ...]
    time_zone: str

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def level(self, level_id: int | None) -> rules.LevelSnapshot | None:
        return next((level for level in self.levels if level.id == level_id), None)


def program_settings() -> ProgramSettings:
    """The chain's settings row (created with the defaults on first use)."""
    settings_row, _created = ProgramSettings.objects.get_or_create(pk=1)
    return settings_row


def program_snapshot(settings_row: ProgramSettings) -> rules.ProgramSnapshot:
    return rules.ProgramSnapshot(
        base_earn_rate_percent=settings_row.base_earn_rate_percent,
        rounding=settings_row.rounding,
        earn_base=settings_row.earn_base,
        excluded_categories=frozenset(settings_row.excluded_categories),
        min_redeem_points=settings_row.min_redeem_points,
        max_redeem_share_percent=settings_row.max_redeem_share_percent,
        point_value_amount=settings_row.point_value_amount,
        activation_delay_hours=settings_row.activation_delay_hours,
        expiry_days=settings_row.expiry_days,
        expiry_warning_days=settings_row.expiry_warning_days,
        level_threshold_mode=settings_row.level_threshold_mode,
        level_rolling_days=settings_row.level_rolling_days,
        undo_window_minutes=settings_row.undo_window_minutes,
        manager_adjustment_limit=settings_row.manager_adjustment_limit,
        cashier_grant_limit=settings_row.cashier_grant_limit,
        welcome_bonus_points=settings_row.welcome_bonus_points,
        birthday_bonus_points=settings_row.birthday_bonus_points,
        birthday_window_days_before=settings_row.birthday_window_days_before,
        birthday_window_days_after=settings_row.birthday_window_days_after,
        referral_bonus_points=settings_row.referral_bonus_points,
        referred_bonus_points=settings_row.referred_bonus_points,
        referral_min_check_amount=settings_row.referral_min_check_amount,
        referral_max_per_guest=settings_row.referral_max_per_guest,
    )


def level_snapshot(level: Level) -> rules.LevelSnapshot:
    return rules.LevelSnapshot(
        id=level.pk,
        name=level.name,
        threshold_amount=level.threshold_amount,
        earn_rate_percent=level.earn_rate_percent,
        redemption_cap_percent=level.redemption_cap_percent,
    )


def current_chain() -> Chain:
    tenant = current_tenant()
    if isinstance(tenant, Chain):
        return tenant
    return Chain.objects.get(schema_name=current_schema_name())


# Every check and every points operation reads the program and the promos: besides Redis (shared, dropped when
# an admin changes them), each process keeps them LOYALTY_PROGRAM_LOCAL_TTL seconds, so a change reaches the
# other processes within that time.
_local_program: LocalTTLCache[str, Any] = LocalTTLCache("LOYALTY_PROGRAM_LOCAL_TTL", per_schema=True)


def program_context() -> ProgramContext:
    """Settings, levels and time zone of the chain whose schema is active (cached until changed)."""
    context: ProgramContext | None = _local_program.get(PROGRAM_CACHE_KEY)
    if context is not None:
        return context
    context = cache.get(PROGRAM_CACHE_KEY)
    if context is None:
        context = ProgramContext(
            program=program_snapshot(program_settings()),
            levels=tuple(level_snapshot(level) for level in Level.objects.order_by("threshold_amount", "id")),
            time_zone=current_chain().time_zone,
        )
        cache.set(PROGRAM_CACHE_KEY, context, PROGRAM_CACHE_SECONDS)
    _local_program.set(PROGRAM_CACHE_KEY, context)
    return context


def forget_program_cache() -> None:
    cache.delete_many([PROGRAM_CACHE_KEY, PROMOS_CACHE_KEY])
    for key in (PROGRAM_CACHE_KEY, PROMOS_CACHE_KEY):
        _local_program.invalidate(key)


def promo_snapshot(promo: Promo) -> rules.PromoSnapshot:
    return rules.PromoSnapshot(
        id=promo.pk,
        name=promo.name,
        multiplier=promo.multiplier,
        bonus_points=promo.bonus_points,
        combination=promo.combination,
        starts_on=promo.starts_on,
        ends_on=promo.ends_on,
        weekdays=frozenset(promo.weekdays),
        starts_at_time=promo.starts_at_time,
        ends_at_time=promo.ends_at_time,
        restaurant_ids=frozenset(restaurant.pk for restaurant in promo.restaurants.all()),
        level_ids=frozenset(level.pk for level in promo.levels.all()),
        guest_tags=frozenset(promo.guest_tags),
        categories=frozenset(promo.categories),
        codes=frozenset() if promo.requires_code else None,  # the service fills in the guest's usable code
    )


def active_promos() -> tuple[rules.PromoSnapshot, ...]:
    """Active promos not yet over (cached; the day/time filters are applied by rules.quote_check)."""
    promos: tuple[rules.PromoSnapshot, ...] | None = _local_program.get(PROMOS_CACHE_KEY)
    if promos is not None:
        return promos
    promos = cache.get(PROMOS_CACHE_KEY)
    if promos is None:
        yesterday = timezone.now().date() - datetime.timedelta(days=1)
        rows = (
            Promo.objects.filter(is_active=True)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=yesterday))
            .prefetch_related("restaurants", "levels")
        )
        promos = tuple(promo_snapshot(promo) for promo in rows)
        cache.set(PROMOS_CACHE_KEY, promos, PROMOS_CACHE_SECONDS)
    _local_program.set(PROMOS_CACHE_KEY, promos)
    return promos


def local_now(context: ProgramContext | None = None) -> datetime.datetime:
    return timezone.now().astimezone((context or program_context()).zone)


def local_midnight(day: datetime.date, context: ProgramContext | None = None) -> datetime.datetime:
    """The instant a day starts in the chain's time zone."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=(context or program_context()).zone)


def chain_today(context: ProgramContext | None = None) -> datetime.date:
    return local_now(context).date()


@dataclass(frozen=True)
class Balance:
    available: int
    pending: int
    lifetime_spend_amount: Decimal
    level: rules.LevelSnapshot | None
    next_level: rules.LevelSnapshot | None
    spend_to_next_level_amount: Decimal | None
    expiring_points: int  # points that expire within the program's warning period
    next_expiry_at: datetime.datetime | None
    is_frozen: bool = False  # a fraud review holds the points: spending is refused (loyalty.services.ledger)


def level_spend(*, guest_id: int, account: PointsAccount, context: ProgramContext) -> Decimal:
    """The spend the level thresholds compare with: lifetime, or the checks of the rolling period (refunds out)."""
    if context.program.level_threshold_mode != LevelThresholdMode.ROLLING:
        return account.lifetime_spend_amount
    since = timezone.now() - datetime.timedelta(days=context.program.level_rolling_days)
    total = AppliedCheck.objects.filter(guest_id=guest_id, checked_at__gte=since, reversed_at__isnull=True).aggregate(
        total=Sum("total_amount")
    )["total"]
    return total or Decimal(0)


def rolling_level_spends(*, guest_ids: Iterable[int], context: ProgramContext) -> dict[int, Decimal]:
    """level_spend of many guests at once, for rolling thresholds (one GROUP BY); guests without checks are 0."""
    since = timezone.now() - datetime.timedelta(days=context.program.level_rolling_days)
    totals = (
        AppliedCheck.objects.filter(guest_id__in=list(guest_ids), checked_at__gte=since, reversed_at__isnull=True)
        .values("guest_id")
        .annotate(total=Sum("total_amount"))
        .values_list("guest_id", "total")
    )
    return dict(totals)


def guest_balance(*, guest: Guest) -> Balance:
    context = program_context()
    account = PointsAccount.objects.filter(guest=guest).first() or PointsAccount(guest=guest)
    level = context.level(account.level_id)
    spend = level_spend(guest_id=guest.pk, account=account, context=context) if account.pk else Decimal(0)
    higher = [item for item in context.levels if item.threshold_amount > (level.threshold_amount if level else -1)]
    next_level = min(higher, key=lambda item: item.threshold_amount) if higher else None
    expiring_points, next_expiry_at = 0, None
    if context.program.expiry_days and account.available:
        horizon = timezone.now() + datetime.timedelta(days=context.program.expiry_warning_days + 1)
        summary = LedgerEntry.objects.filter(
            guest=guest, remaining_points__gt=0, is_pending=False, expires_at__isnull=False
        ).aggregate(soon=Sum("remaining_points", filter=Q(expires_at__lte=horizon)), first=Min("expires_at"))
        expiring_points, next_expiry_at = int(summary["soon"] or 0), summary["first"]
    return Balance(
        available=account.available,
        pending=account.pending,
        lifetime_spend_amount=account.lifetime_spend_amount,
        level=level,
        next_level=next_level,
        spend_to_next_level_amount=max(next_level.threshold_amount - spend, Decimal(0)) if next_level else None,
        expiring_points=expiring_points,
        next_expiry_at=next_expiry_at,
        is_frozen=account.frozen_at is not None,
    )


def guest_ledger(*, guest: Guest, access: ChainAccess | None = None) -> QuerySet[LedgerEntry]:
    """A guest's entries, newest first. Restaurant-scoped staff see their restaurants' and chain-wide entries."""
    entries = (
        LedgerEntry.objects.filter(guest=guest).select_related("restaurant", "actor").order_by("-created_at", "-id")
    )
    if access is not None and access.restaurant_ids is not None:
        entries = entries.filter(Q(restaurant__isnull=True) | Q(restaurant_id__in=access.restaurant_ids))
    return entries


def promo_codes(*, promo: Promo) -> QuerySet[PromoCode]:
    """A promo's codes, each with `use_count` (how often it was used), counted in the same query."""
    return PromoCode.objects.filter(promo=promo).annotate(use_count=Count("uses")).order_by("code")


def ledger_totals(*, guest: Guest) -> tuple[int, int]:
    """(sum of spendable entries, sum of pending entries): what the account must equal."""
    sums = LedgerEntry.objects.filter(guest=guest).aggregate(
        available=Sum("points", filter=Q(is_pending=False)), pending=Sum("points", filter=Q(is_pending=True))
    )
    return int(sums["available"] or 0), int(sums["pending"] or 0)


def entry_with_key(idempotency_key: str) -> LedgerEntry | None:
    """The ledger entry written under this idempotency key, found through LedgerKey (one partition read)."""
    found = LedgerKey.objects.filter(idempotency_key=idempotency_key).values_list("entry_id", "created_at").first()
    if found is None:
        return None
    return LedgerEntry.objects.filter(pk=found[0], created_at=found[1]).first()


def has_entry_with_key(idempotency_key: str) -> bool:
    return LedgerKey.objects.filter(idempotency_key=idempotency_key).exists()


def reversal_of(entry_id: int) -> LedgerEntry | None:
    """The entry that reversed this one, if any (an entry is reversed at most once: LedgerKey)."""
    found = LedgerKey.objects.filter(reverses_id=entry_id).values_list("entry_id", "created_at").first()
    if found is None:
        return None
    return LedgerEntry.objects.filter(pk=found[0], created_at=found[1]).first()


def current_program_version() -> ProgramVersion:
    """The program in force as a backtest replays it: settings, levels, and every active promo (their dates are
    the rules' to check, so a promo that ran in the period counts while it is still active)."""
    context = program_context()
    promos = Promo.objects.filter(is_active=True).prefetch_related("restaurants", "levels").order_by("id")
    return ProgramVersion(
        program=context.program, levels=context.levels, promos=tuple(promo_snapshot(promo) for promo in promos)
    )


def program_drafts() -> QuerySet[ProgramDraft]:
    return ProgramDraft.objects.select_related("created_by", "updated_by").order_by("-created_at", "-id")


def access_draft(*, draft_id: int) -> ProgramDraft:
    """A draft of this chain (the guard has checked MANAGE_PROGRAM; another chain's ids are not in this schema)."""
    draft = ProgramDraft.objects.filter(pk=draft_id).first()
    if draft is None:
        raise DraftNotFound()
    return draft


def access_backtest(*, backtest_id: int) -> Backtest:
    backtest = Backtest.objects.select_related("draft").filter(pk=backtest_id).first()
    if backtest is None:
        raise BacktestNotFound()
    return backtest


def draft_backtests(*, draft: ProgramDraft) -> QuerySet[Backtest]:
    return Backtest.objects.filter(draft=draft).order_by("-created_at", "-id")
