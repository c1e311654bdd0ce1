"""Daily roll-ups: which days changed (a Redis set per chain, written by signals) and their recomputation.

A write to a visit, a ledger entry, a guest or a receipt marks its UTC date dirty (one SADD, nothing else on the hot
path); `refresh_dirty_days` (called by the Celery task and before the dashboard reads) recomputes the chain-local days
that UTC date overlaps. The beat task also recomputes today and yesterday, which catches writes that bypass signals.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from analytics.models import DailyRestaurantStats
from guests.models import Guest, Visit
from loyalty.models import EARNING_KINDS, EntryKind, LedgerEntry
from pos.models import Receipt, ReceiptOperation, ReceiptStatus

DIRTY_KEY = "analytics:dirty-utc-days"
logger = logging.getLogger(__name__)


def chain_time_zone() -> ZoneInfo:
    """The current chain's zone (days are counted in it)."""
    zone = getattr(connection.tenant, "time_zone", None)
    if not zone:
        from tenants.models import Chain

        zone = Chain.objects.filter(schema_name=connection.schema_name).values_list("time_zone", flat=True).first()
    return ZoneInfo(zone or "UTC")


def _redis() -> Any | None:
    try:
        from django_redis import get_redis_connection

        return get_redis_connection("default")
    except (ImportError, NotImplementedError):
        return None


def mark_day_changed(at: dt.datetime | None) -> None:
    """Remember that data of the day holding `at` changed (cheap: one Redis command)."""
    if at is None:
        return
    day = at.astimezone(dt.UTC).date().isoformat()
    redis = _redis()
    try:
        if redis is not None:
            redis.sadd(cache.make_key(DIRTY_KEY), day)
        else:  # local-memory fallback in development: not atomic, good enough there
            cache.set(DIRTY_KEY, {*cache.get(DIRTY_KEY, set()), day}, None)
    except Exception:  # a cache outage must not fail a check; the scheduled roll-up redoes today and yesterday
        logger.warning("analytics: could not mark %s as changed", day, exc_info=True)


def _take_dirty_utc_days() -> set[dt.date]:
    redis = _redis()
    if redis is not None:
        key = cache.make_key(DIRTY_KEY)
        pipe = redis.pipeline()
        pipe.smembers(key)
        pipe.delete(key)
        members, _deleted = pipe.execute()
        raw = {m.decode() if isinstance(m, bytes) else m for m in members}
    else:
        raw = cache.get(DIRTY_KEY, set())
        cache.delete(DIRTY_KEY)
    return {dt.date.fromisoformat(day) for day in raw}


def local_days_of_utc_day(day: dt.date, zone: ZoneInfo) -> set[dt.date]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    end = start + dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    return {start.astimezone(zone).date(), end.astimezone(zone).date()}


def day_bounds(first_day: dt.date, last_day: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC of the local days first_day..last_day."""
    start = dt.datetime.combine(first_day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def _runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _grouped(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_EARNING = tuple(sorted(str(kind) for kind in EARNING_KINDS))


@transaction.atomic
def recompute_days(first_day: dt.date, last_day: dt.date, zone: ZoneInfo | None = None) -> int:
    """Replace the roll-up rows of local days first_day..last_day with a fresh aggregation of the raw tables."""
    zone = zone or chain_time_zone()
    start, end = day_bounds(first_day, last_day, zone)
    tz = zone.key
    rows: dict[tuple[dt.date, int | None], dict[str, Any]] = defaultdict(dict)

    for day, restaurant_id, count in _grouped(
        f"SELECT (created_at AT TIME ZONE %s)::date, home_restaurant_id, count(*) FROM {Guest._meta.db_table} "  # noqa: S608
        "WHERE created_at >= %s AND created_at < %s GROUP BY 1, 2",
        [tz, start, end],
    ):
        rows[day, restaurant_id]["new_guests"] = count
    for day, restaurant_id, count, amount in _grouped(
        f"SELECT (visited_at AT TIME ZONE %s)::date, restaurant_id, count(*), sum(check_amount) "  # noqa: S608
        f"FROM {Visit._meta.db_table} WHERE visited_at >= %s AND visited_at < %s GROUP BY 1, 2",
        [tz, start, end],
    ):
        rows[day, restaurant_id].update(visits=count, loyalty_revenue_amount=amount)
    for day, restaurant_id, count, amount in _grouped(
        f"SELECT (received_at AT TIME ZONE %s)::date, restaurant_id, count(*), sum(total_amount) "  # noqa: S608
        f"FROM {Receipt._meta.db_table} WHERE received_at >= %s AND received_at < %s "
        "AND guest_id IS NULL AND operation = %s AND status = %s GROUP BY 1, 2",
        [tz, start, end, ReceiptOperation.SALE.value, ReceiptStatus.PROCESSED.value],
    ):
        rows[day, restaurant_id].update(other_checks=count, other_revenue_amount=amount)
    for day, restaurant_id, issued, redeemed, expired, net in _grouped(
        "SELECT (created_at AT TIME ZONE %s)::date, restaurant_id, "  # noqa: S608
        "coalesce(sum(points) FILTER (WHERE kind = ANY(%s) AND points > 0), 0), "
        "coalesce(-sum(points) FILTER (WHERE kind = %s), 0), "
        "coalesce(-sum(points) FILTER (WHERE kind = %s), 0), sum(points) "
        f"FROM {LedgerEntry._meta.db_table} WHERE created_at >= %s AND created_at < %s GROUP BY 1, 2",
        [tz, list(_EARNING), EntryKind.REDEMPTION.value, EntryKind.EXPIRY.value, start, end],
    ):
        rows[day, restaurant_id].update(
            points_issued=issued, points_redeemed=redeemed, points_expired=expired, points_net=net
        )

    DailyRestaurantStats.objects.filter(day__gte=first_day, day__lte=last_day).delete()
    now = timezone.now()
    DailyRestaurantStats.objects.bulk_create(
        DailyRestaurantStats(day=day, restaurant_id=restaurant_id, computed_at=now, **values)
        for (day, restaurant_id), values in rows.items()
    )
    return len(rows)


def refresh_dirty_days() -> int:
    """Recompute every local day whose data changed since the last refresh; returns how many days."""
    utc_days = _take_dirty_utc_days()
    if not utc_days:
        return 0
    zone = chain_time_zone()
    local_days: set[dt.date] = set()
    for day in utc_days:
        local_days |= local_days_of_utc_day(day, zone)
    for first_day, last_day in _runs(local_days):
        recompute_days(first_day, last_day, zone)
    return len(local_days)


def recompute_all(zone: ZoneInfo | None = None) -> int:
    """Rebuild every day from the oldest data (first run, or after a bulk load that bypassed signals)."""
    zone = zone or chain_time_zone()
    oldest = [
        Guest.objects.order_by("created_at").values_list("created_at", flat=True).first(),
        Visit.objects.order_by("visited_at").values_list("visited_at", flat=True).first(),
        LedgerEntry.objects.order_by("created_at").values_list("created_at", flat=True).first(),
        Receipt.objects.order_by("received_at").values_list("received_at", flat=True).first(),
    ]
    known = [at for at in oldest if at is not None]
    today = timezone.now().astimezone(zone).date()
    if not known:
        DailyRestaurantStats.objects.all().delete()
        return 0
    first_day = min(known).astimezone(zone).date()
    computed = 0
    month_start = first_day
    while month_start <= today:  # a month per transaction keeps each statement's memory bounded
        month_end = min(month_start + dt.timedelta(days=30), today)
        computed += recompute_days(month_start, month_end, zone)
        month_start = month_end + dt.timedelta(days=1)
    return computed


def roll_up_chain() -> int:
    """The scheduled work of one chain: dirty days, then today and yesterday (writes that skipped signals)."""
    zone = chain_time_zone()
    if not DailyRestaurantStats.objects.using("default").exists():
        return recompute_all(zone)
    refreshed = refresh_dirty_days()
    today = timezone.now().astimezone(zone).date()
    recompute_days(today - dt.timedelta(days=1), today, zone)
    return refreshed + 2


def stats_fingerprint(last_day: dt.date) -> str:
    """Changes whenever a roll-up row of those days is recomputed: part of every analytics cache key."""
    from django.db.models import Count, Max

    from analytics.routers import analytics_connection

    alias = analytics_connection().alias
    summary = (
        DailyRestaurantStats.objects.using(alias)
        .filter(day__lte=last_day)
        .aggregate(latest=Max("computed_at"), rows=Count("id"))
    )
    latest = summary["latest"]
    return f"{summary['rows']}-{latest.timestamp() if latest else 0}"
