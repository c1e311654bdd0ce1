"""Daily roll-ups: which days changed (a Redis set per chain, marked by analytics.signals) and their recomputation.

A write to a visit, a ledger entry, a guest or a receipt marks its UTC date dirty (one SADD, nothing else on the hot
path) when its service announces it (the domain events, after commit); `refresh_dirty_days` (called by the Celery
task and before the dashboard reads) recomputes the chain-local days that UTC date overlaps. The beat task also
recomputes today and yesterday, which catches writes that bypass the services (bulk loads).

Recomputing days also recomputes the guest × month activity (analytics.models.GuestMonthActivity) of the guests whose
visits fall on those days, before or after the change, for the months of those days.

The chain's test guest (guests.models.Guest.is_test: the guest of "Send a test check") is left out of every roll-up:
its registration, visits and points are a proof that a POS connection works, not the chain's business.
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

from analytics.figure_snapshots import refresh_default_views
from analytics.models import DailyRestaurantStats, GuestMonthActivity
from analytics.periods import chain_time_zone, day_bounds, local_days_of_utc_day, month_bounds, month_of, next_month
from analytics.routers import fetch_rows
from analytics.selectors import ids_of_test_guests
from guests.models import Guest, Visit
from loyalty.models import EARNING_KINDS, EntryKind, LedgerEntry
from maxloyalty.current_schema import current_schema_name
from maxloyalty.local_cache import LocalTTLCache
from pos.models import Receipt, ReceiptOperation, ReceiptStatus

DIRTY_KEY = "analytics:dirty-utc-days"
logger = logging.getLogger(__name__)


def _redis() -> Any | None:
    try:
        from django_redis import get_redis_connection

        return get_redis_connection("default")
    except (ImportError, NotImplementedError):
        return None


# Days this process marked lately (by schema): every ledger entry of a busy day would otherwise send the same
# SADD. Skipping repeats for ANALYTICS_MARK_LOCAL_TTL seconds is safe: a mark the roll-up took meanwhile is
# covered by its scheduled pass, which always recomputes today and yesterday.
_recently_marked_days: LocalTTLCache[str, bool] = LocalTTLCache("ANALYTICS_MARK_LOCAL_TTL", per_schema=True)


def mark_day_changed(at: dt.datetime | None) -> None:
    """Remember that data of the day holding `at` changed (cheap: one Redis command, or none when just sent)."""
    if at is None:
        return
    day = at.astimezone(dt.UTC).date().isoformat()
    if _recently_marked_days.get(day):
        return
    _recently_marked_days.set(day, True)
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


def _runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _lock_rollups() -> None:
    """One recomputation of a chain's roll-ups at a time (the beat task and a page's refresh may overlap): each
    deletes rows and inserts them again, so two at once would collide on the unique constraints."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"analytics-rollups:{current_schema_name()}"])


_EARNING = tuple(sorted(str(kind) for kind in EARNING_KINDS))


@transaction.atomic
def recompute_days(
    first_day: dt.date, last_day: dt.date, zone: ZoneInfo | None = None, *, guest_months: bool = True
) -> int:
    """Replace the roll-up rows of local days first_day..last_day with a fresh aggregation of the raw tables (and,
    unless told not to, the guest × month rows those days touch)."""
    zone = zone or chain_time_zone()
    _lock_rollups()
    test_guests = ids_of_test_guests()
    if guest_months:
        recompute_guest_months(first_day, last_day, zone, test_guests=test_guests)
    start, end = day_bounds(first_day, last_day, zone)
    tz = zone.key
    rows: dict[tuple[dt.date, int | None], dict[str, Any]] = defaultdict(dict)

    for day, restaurant_id, count in fetch_rows(
        f"SELECT (created_at AT TIME ZONE %s)::date, home_restaurant_id, count(*) FROM {Guest._meta.db_table} "  # noqa: S608
        "WHERE created_at >= %s AND created_at < %s AND NOT is_test GROUP BY 1, 2",
        [tz, start, end],
    ):
        rows[day, restaurant_id]["new_guests"] = count
    for day, restaurant_id, count, amount in fetch_rows(
        f"SELECT (visited_at AT TIME ZONE %s)::date, restaurant_id, count(*), sum(check_amount) "  # noqa: S608
        f"FROM {Visit._meta.db_table} WHERE visited_at >= %s AND visited_at < %s AND guest_id <> ALL(%s::bigint[]) "
        "GROUP BY 1, 2",
        [tz, start, end, test_guests],
    ):
        rows[day, restaurant_id].update(visits=count, loyalty_revenue_amount=amount)
    for day, restaurant_id, count, amount in fetch_rows(
        f"SELECT (received_at AT TIME ZONE %s)::date, restaurant_id, count(*), sum(total_amount) "  # noqa: S608
        f"FROM {Receipt._meta.db_table} WHERE received_at >= %s AND received_at < %s "
        "AND guest_id IS NULL AND operation = %s AND status = %s GROUP BY 1, 2",
        [tz, start, end, ReceiptOperation.SALE.value, ReceiptStatus.PROCESSED.value],
    ):
        rows[day, restaurant_id].update(other_checks=count, other_revenue_amount=amount)
    for day, restaurant_id, issued, redeemed, expired, net in fetch_rows(
        "SELECT (created_at AT TIME ZONE %s)::date, restaurant_id, "  # noqa: S608
        "coalesce(sum(points) FILTER (WHERE kind = ANY(%s) AND points > 0), 0), "
        "coalesce(-sum(points) FILTER (WHERE kind = %s), 0), "
        "coalesce(-sum(points) FILTER (WHERE kind = %s), 0), sum(points) "
        f"FROM {LedgerEntry._meta.db_table} WHERE created_at >= %s AND created_at < %s AND guest_id <> ALL(%s::bigint[]) "
        "GROUP BY 1, 2",
        [tz, list(_EARNING), EntryKind.REDEMPTION.value, EntryKind.EXPIRY.value, start, end, test_guests],
    ):
        rows[day, restaurant_id].update(
            points_issued=issued, points_redeemed=redeemed, points_expired=expired, points_net=net
        )

    _replace_changed_rows(first_day, last_day, rows)
    return len(rows)


_STATS_FIGURES = tuple(
    field.name
    for field in DailyRestaurantStats._meta.concrete_fields
    if field.name not in {"id", "day", "restaurant", "computed_at"}
)


def _replace_changed_rows(
    first_day: dt.date, last_day: dt.date, fresh: dict[tuple[dt.date, int | None], dict[str, Any]]
) -> None:
    """Store the fresh figures of those days, touching only rows whose figures changed (or that appeared or went):
    an unchanged row keeps its computed_at, so the analytics caches' fingerprint (analytics.selectors.
    stats_fingerprint: the newest computed_at and the row count) moves only when a figure did, and the cached views
    survive a scheduled roll-up that found nothing new."""
    defaults = {
        field.name: field.get_default()
        for field in DailyRestaurantStats._meta.concrete_fields
        if field.name in _STATS_FIGURES
    }
    wanted = {key: {**defaults, **values} for key, values in fresh.items()}
    stale_ids = []
    for row in DailyRestaurantStats.objects.filter(day__gte=first_day, day__lte=last_day).values(
        "id", "day", "restaurant_id", *_STATS_FIGURES
    ):
        key = (row["day"], row["restaurant_id"])
        if wanted.get(key) == {name: row[name] for name in _STATS_FIGURES}:
            del wanted[key]  # unchanged: kept as it is
        else:
            stale_ids.append(row["id"])
    DailyRestaurantStats.objects.filter(id__in=stale_ids).delete()
    now = timezone.now()
    DailyRestaurantStats.objects.bulk_create(
        DailyRestaurantStats(day=day, restaurant_id=restaurant_id, computed_at=now, **values)
        for (day, restaurant_id), values in wanted.items()
    )


_ACTIVITY = GuestMonthActivity._meta.db_table
_VISITS = Visit._meta.db_table
# One row per guest × restaurant (visits without a restaurant left out) and one per guest for the whole chain.
_INSERT_ACTIVITY = (
    f"INSERT INTO {_ACTIVITY} (guest_id, restaurant_id, month, visits, amount, first_visited_at, last_visited_at, "  # noqa: S608
    "first_visit_month) "
    "SELECT guest_id, restaurant_id, %s, count(*), sum(check_amount), min(visited_at), max(visited_at), %s "
    f"FROM {_VISITS} WHERE guest_id = ANY(%s) AND visited_at >= %s AND visited_at < %s "
    "GROUP BY GROUPING SETS ((guest_id, restaurant_id), (guest_id)) "
    "HAVING GROUPING(restaurant_id) = 1 OR restaurant_id IS NOT NULL"
)


def _recompute_guest_month(
    month: dt.date, first_day: dt.date, last_day: dt.date, zone: ZoneInfo, test_guests: list[int]
) -> list[int]:
    """Rebuild the month's rows of every guest with a visit on first_day..last_day (days of that month) now, or
    before the change (their row's first..last visit spans one of those days); returns those guests."""
    month_start, month_end = month_bounds(month, zone)
    start, end = day_bounds(first_day, last_day, zone)
    ((guest_ids,),) = fetch_rows(
        "SELECT coalesce(array_agg(DISTINCT guest_id), '{}') FROM ("  # noqa: S608
        f"  SELECT guest_id FROM {_VISITS} WHERE visited_at >= %s AND visited_at < %s AND guest_id <> ALL(%s::bigint[]) "
        f"  UNION ALL SELECT guest_id FROM {_ACTIVITY} WHERE month = %s AND last_visited_at >= %s "
        "   AND last_visited_at < %s AND first_visited_at < %s) touched",
        [start, end, test_guests, month, start, month_end, end],
    )
    if not guest_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_ACTIVITY} WHERE month = %s AND guest_id = ANY(%s)", [month, guest_ids])  # noqa: S608
        cursor.execute(_INSERT_ACTIVITY, [month, month, guest_ids, month_start, month_end])
    return list(guest_ids)


def _renumber_first_months(guest_ids: list[int]) -> None:
    """Set first_visit_month on every row of these guests: their earliest month in the row's scope."""
    if not guest_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_ACTIVITY} row SET first_visit_month = scope.first_month FROM ("  # noqa: S608
            f"  SELECT guest_id, restaurant_id, min(month) AS first_month FROM {_ACTIVITY} "
            "   WHERE guest_id = ANY(%s) GROUP BY 1, 2) scope "
            "WHERE row.guest_id = ANY(%s) AND row.guest_id = scope.guest_id "
            "AND row.restaurant_id IS NOT DISTINCT FROM scope.restaurant_id "
            "AND row.first_visit_month <> scope.first_month",
            [guest_ids, guest_ids],
        )


@transaction.atomic
def recompute_guest_months(
    first_day: dt.date, last_day: dt.date, zone: ZoneInfo | None = None, *, test_guests: list[int] | None = None
) -> int:
    """Recompute the guest × month rows that visits on local days first_day..last_day feed; returns how many guests."""
    zone = zone or chain_time_zone()
    _lock_rollups()
    test_guests = ids_of_test_guests() if test_guests is None else test_guests
    touched: set[int] = set()
    month = month_of(first_day)
    while month <= last_day:
        days_end = min(next_month(month) - dt.timedelta(days=1), last_day)
        touched.update(_recompute_guest_month(month, max(first_day, month), days_end, zone, test_guests))
        month = next_month(month)
    _renumber_first_months(sorted(touched))
    return len(touched)


GUEST_BATCH = 50_000


def rebuild_guest_months(zone: ZoneInfo | None = None) -> int:
    """Rebuild every guest × month row from the visits, a batch of guests per transaction; returns the rows."""
    zone = zone or chain_time_zone()
    tz = zone.key
    rows = 0
    test_guests = ids_of_test_guests()
    last_id = Guest.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for first_id in range(0, last_id + 1, GUEST_BATCH):
        with transaction.atomic(), connection.cursor() as cursor:
            _lock_rollups()
            bounds = [first_id, first_id + GUEST_BATCH]
            cursor.execute(f"DELETE FROM {_ACTIVITY} WHERE guest_id >= %s AND guest_id < %s", bounds)  # noqa: S608
            cursor.execute(
                f"INSERT INTO {_ACTIVITY} (guest_id, restaurant_id, month, visits, amount, first_visited_at, "  # noqa: S608
                "last_visited_at, first_visit_month) "
                "SELECT guest_id, restaurant_id, month, visits, amount, first_at, last_at, "
                "min(month) OVER (PARTITION BY guest_id, restaurant_id) FROM ("
                "  SELECT guest_id, restaurant_id, month, count(*) AS visits, sum(check_amount) AS amount, "
                "  min(visited_at) AS first_at, max(visited_at) AS last_at FROM ("
                "    SELECT guest_id, restaurant_id, visited_at, check_amount, "
                "    date_trunc('month', visited_at AT TIME ZONE %s)::date AS month "
                f"    FROM {_VISITS} WHERE guest_id >= %s AND guest_id < %s AND guest_id <> ALL(%s::bigint[])) visit "
                "  GROUP BY GROUPING SETS ((guest_id, restaurant_id, month), (guest_id, month)) "
                "  HAVING GROUPING(restaurant_id) = 1 OR restaurant_id IS NOT NULL) activity",
                [tz, *bounds, test_guests],
            )
            rows += cursor.rowcount
    return rows


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
        GuestMonthActivity.objects.all().delete()
        return 0
    first_day = min(known).astimezone(zone).date()
    computed = 0
    month_start = first_day
    while month_start <= today:  # a month per transaction keeps each statement's memory bounded
        month_end = min(month_start + dt.timedelta(days=30), today)
        computed += recompute_days(month_start, month_end, zone, guest_months=False)
        month_start = month_end + dt.timedelta(days=1)
    rebuild_guest_months(zone)
    return computed


def rebuild_if_missing(zone: ZoneInfo | None = None) -> bool:
    """Build the roll-ups from scratch when they were never built (a chain whose data was loaded before any roll-up
    ran, e.g. demo data) or when only the guest × month rows are missing (just migrated). True when it rebuilt
    everything (nothing is left dirty then)."""
    days_built, months_built = fetch_rows(
        f"SELECT EXISTS (SELECT 1 FROM {DailyRestaurantStats._meta.db_table}), "  # noqa: S608
        f"EXISTS (SELECT 1 FROM {_ACTIVITY}) OR NOT EXISTS (SELECT 1 FROM {_VISITS})",
        [],
    )[0]
    if not days_built:
        _take_dirty_utc_days()  # marked before the rebuild, which covers them: nothing left for the next reader
        recompute_all(zone)
    elif not months_built:
        rebuild_guest_months(zone)
    return not days_built


def roll_up_chain() -> int:
    """The scheduled work of one chain: dirty days, then today and yesterday (writes that skipped signals), then
    the default views' figures computed afresh where they changed (analytics.figure_snapshots.refresh_default_views)."""
    zone = chain_time_zone()
    if rebuild_if_missing(zone):
        computed = DailyRestaurantStats.objects.using("default").count()
    else:
        today = timezone.now().astimezone(zone).date()
        computed = refresh_dirty_days() + 2
        recompute_days(today - dt.timedelta(days=1), today, zone)
    refresh_default_views()
    return computed
