"""The chain's metrics over a date range and a set of restaurants (None: all, including unattributed rows).

Day-additive figures come from the daily roll-ups (analytics.models.DailyRestaurantStats); figures that need distinct
guests (repeat rate, visit frequency, cohorts, RFM, top guests) come from the guest × month roll-up
(analytics.models.GuestMonthActivity), with the raw visits of guests whose month straddles the period's first or
last day, so they equal a count over the raw visits for any date range; so do active guests. Callers cache (analytics.selectors).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import ExtractDay, ExtractMonth
from django.utils.translation import gettext_lazy as _

from analytics.models import DailyRestaurantStats, GuestMonthActivity
from analytics.periods import day_bounds, month_bounds, month_of, next_month
from analytics.routers import analytics_connection, fetch_rows
from analytics.rules import SEGMENTS, rfm_class_sql
from guests.models import Guest, GuestStatus, Visit
from loyalty.models import Level, PointsAccount, ProgramSettings, PromoCodeUse

ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    restaurant_ids: frozenset[int] | None  # None: the whole chain
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return day_bounds(self.start, self.end, self.zone)

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]


def _db() -> str:
    """The alias heavy reads use (a replica when configured), switched to the current chain's schema."""
    return str(analytics_connection().alias)


def _stats(period: Period) -> QuerySet[DailyRestaurantStats]:
    rows = DailyRestaurantStats.objects.using(_db())
    if period.restaurant_ids is not None:
        rows = rows.filter(restaurant_id__in=period.restaurant_ids)
    return rows


def _restaurant_sql(period: Period, column: str) -> tuple[str, list[Any]]:
    if period.restaurant_ids is None:
        return "", []
    return f" AND {column} = ANY(%s)", [sorted(period.restaurant_ids)]


def point_value_amount() -> Decimal:
    value = ProgramSettings.objects.using(_db()).filter(id=1).values_list("point_value_amount", flat=True).first()
    return value if value is not None else Decimal(1)


def _share(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


# --- roll-up figures -----------------------------------------------------------------------------------------------

_SUMS = {
    "new_guests": Sum("new_guests"),
    "visits": Sum("visits"),
    "loyalty_revenue_amount": Sum("loyalty_revenue_amount"),
    "other_checks": Sum("other_checks"),
    "other_revenue_amount": Sum("other_revenue_amount"),
    "points_issued": Sum("points_issued"),
    "points_redeemed": Sum("points_redeemed"),
    "points_expired": Sum("points_expired"),
}


def _zeroed(values: Mapping[str, object]) -> dict[str, Any]:
    return {name: values.get(name) or (ZERO if name.endswith("_amount") else 0) for name in _SUMS}


def period_totals(period: Period) -> dict[str, Any]:
    """Sums over the period, guests registered up to its end and points outstanding at its end (and their value)."""
    totals = _zeroed(_stats(period).filter(day__gte=period.start, day__lte=period.end).aggregate(**_SUMS))
    to_date = _stats(period).filter(day__lte=period.end).aggregate(guests=Sum("new_guests"), net=Sum("points_net"))
    totals["guests_total"] = to_date["guests"] or 0
    totals["outstanding_points"] = to_date["net"] or 0
    totals["liability_amount"] = (totals["outstanding_points"] * point_value_amount()).quantize(CENT)
    visits, revenue, other = totals["visits"], totals["loyalty_revenue_amount"], totals["other_revenue_amount"]
    totals["average_check_amount"] = (revenue / visits).quantize(CENT) if visits else None
    totals["loyalty_revenue_share_percent"] = _share(revenue, revenue + other)
    return totals


def daily_series(period: Period) -> list[dict[str, Any]]:
    """One row per day of the period (days without activity included), with outstanding points at each day's end."""
    by_day: dict[dt.date, Mapping[str, Any]] = {
        row["day"]: row
        for row in _stats(period)
        .filter(day__gte=period.start, day__lte=period.end)
        .values("day")
        .annotate(**_SUMS, points_net=Sum("points_net"))
    }
    opening = _stats(period).filter(day__lt=period.start).aggregate(net=Sum("points_net"))["net"] or 0
    value = point_value_amount()
    series = []
    outstanding = opening
    for day in period.days():
        row = _zeroed(by_day.get(day, {}))
        outstanding += by_day.get(day, {}).get("points_net") or 0
        row.update(
            day=day,
            outstanding_points=outstanding,
            liability_amount=(outstanding * value).quantize(CENT),
        )
        series.append(row)
    return series


def restaurant_comparison(period: Period) -> list[dict[str, Any]]:
    """Sums per restaurant (rows without a restaurant are left out), busiest first."""
    rows = (
        _stats(period)
        .filter(day__gte=period.start, day__lte=period.end, restaurant__isnull=False)
        .values("restaurant_id", name=F("restaurant__name"))
        .annotate(**_SUMS)
        .order_by("-loyalty_revenue_amount", "name")
    )
    return [{"restaurant_id": row["restaurant_id"], "name": row["name"], **_zeroed(row)} for row in rows]


# --- raw figures ---------------------------------------------------------------------------------------------------


def active_guest_counts(period: Period, windows: tuple[int, ...] = (30, 90)) -> dict[int, int]:
    """For each window of N days that ends with the period's end: guests with a visit (in the period's restaurants)
    during it. One pass over the longest window's activity (see _activity_sql)."""
    longest = Period(
        start=period.end - dt.timedelta(days=max(windows) - 1),
        end=period.end,
        restaurant_ids=period.restaurant_ids,
        zone=period.zone,
    )
    activity, params = _activity_sql(longest)
    starts = [day_bounds(period.end - dt.timedelta(days=days - 1), period.end, period.zone)[0] for days in windows]
    # Every row lies inside the longest window, so a row whose last visit is in a shorter window puts its guest there.
    counts = fetch_rows(
        f"SELECT {', '.join(['count(DISTINCT guest_id) FILTER (WHERE last_at >= %s)'] * len(windows))} "  # noqa: S608
        f"FROM ({activity}) activity",
        [*starts, *params],
        analytics_connection(),
    )[0]
    return {days: int(count) for days, count in zip(windows, counts, strict=True)}


def active_guests(period: Period, days: int) -> int:
    """Guests with a visit (in the period's restaurants) during the `days` days that end with the period's end."""
    return active_guest_counts(period, (days,))[days]


# --- per-guest figures: the guest × month roll-up, plus raw visits in the partial months at the period's edges -----


def _activity_scope(period: Period) -> tuple[str, list[Any]]:
    """Rows of GuestMonthActivity for the period's restaurants (the whole-chain rows when it has none)."""
    if period.restaurant_ids is None:
        return "restaurant_id IS NULL", []
    return "restaurant_id = ANY(%s)", [sorted(period.restaurant_ids)]


def _has_visits(period: Period, start: dt.datetime, end: dt.datetime) -> bool:
    where, params = _restaurant_sql(period, "restaurant_id")
    ((found,),) = fetch_rows(
        f"SELECT EXISTS (SELECT 1 FROM {Visit._meta.db_table} "  # noqa: S608
        f"WHERE visited_at >= %s AND visited_at < %s{where})",
        [start, end, *params],
        analytics_connection(),
    )
    return bool(found)


_ACTIVITY_ROW = "SELECT guest_id, visits AS n, amount AS spend, last_visited_at AS last_at FROM {table} "


def _edge_month_sql(period: Period, month: dt.date, start: dt.datetime, end: dt.datetime) -> tuple[str, list[Any]]:
    """The activity of [start, end), part of one month: a guest × month row whose visits all lie inside counts
    whole; a row with visits both inside and outside is replaced by that guest's visits inside (to the row's
    restaurant); rows outside are left out."""
    table = GuestMonthActivity._meta.db_table
    scope, scope_params = _activity_scope(period)
    inside = _ACTIVITY_ROW.format(table=table) + (
        f"WHERE {scope} AND month = %s AND first_visited_at >= %s AND last_visited_at < %s"
    )
    # OFFSET 0 keeps the lateral subquery a per-row index lookup: its cost follows the straddling rows (often
    # none), not the number of visits in the edge month.
    straddling = (
        "SELECT v.guest_id, 1 AS n, v.check_amount AS spend, v.visited_at AS last_at "  # noqa: S608
        f"FROM {table} r CROSS JOIN LATERAL (SELECT guest_id, check_amount, visited_at FROM {Visit._meta.db_table} "
        "  WHERE guest_id = r.guest_id AND visited_at >= %s AND visited_at < %s "
        "  AND (r.restaurant_id IS NULL OR restaurant_id = r.restaurant_id) OFFSET 0) v "
        f"WHERE r.{scope} AND r.month = %s AND r.last_visited_at >= %s AND r.first_visited_at < %s "
        "AND (r.first_visited_at < %s OR r.last_visited_at >= %s)"
    )
    return f"{inside} UNION ALL {straddling}", [
        *scope_params,
        month,
        start,
        end,
        start,
        end,
        *scope_params,
        month,
        start,
        end,
        start,
        end,
    ]


def _activity_sql(period: Period) -> tuple[str, list[Any]]:
    """guest_id, visits (n), spend and last visit (last_at) of the period's activity, a guest possibly on several
    rows: the guest × month rows of the months it covers, and of the months it cuts (its first and last) the rows
    inside it plus single visits where a row lies partly outside (see _edge_month_sql)."""
    start, end = period.bounds
    first, last = month_of(period.start), month_of(period.end)
    first_start, first_end = month_bounds(first, period.zone)
    last_start, last_end = month_bounds(last, period.zone)
    # An edge month also counts as whole when nothing happened in its part outside the period (the rest of the
    # current month, typically): one cheap EXISTS instead of reading its rows twice.
    whole_first = start == first_start or not _has_visits(period, first_start, start)
    whole_last = end == last_end or not _has_visits(period, end, last_end)
    if first == last and not (whole_first and whole_last):
        return _edge_month_sql(period, first, start, end)
    parts, params = [], []
    if not whole_first:
        sql, edge_params = _edge_month_sql(period, first, start, first_end)
        parts.append(sql)
        params += edge_params
        first = next_month(first)
    if not whole_last:
        sql, edge_params = _edge_month_sql(period, last, last_start, end)
        parts.append(sql)
        params += edge_params
        last = month_of(last - dt.timedelta(days=1))
    if first <= last:
        scope, scope_params = _activity_scope(period)
        parts.append(
            _ACTIVITY_ROW.format(table=GuestMonthActivity._meta.db_table)
            + f"WHERE {scope} AND month >= %s AND month <= %s"
        )
        params += [*scope_params, first, last]
    return " UNION ALL ".join(parts), params


def _per_guest_sql(period: Period) -> tuple[str, list[Any]]:
    """guest_id, visits (n), spend and last visit time of each guest who visited the period's restaurants in it."""
    activity, params = _activity_sql(period)
    sql = (
        "SELECT guest_id, sum(n) AS n, sum(spend) AS spend, max(last_at) AS last_at "  # noqa: S608
        f"FROM ({activity}) activity GROUP BY guest_id"
    )
    return sql, params


def guest_figures(period: Period, top: int = 10) -> dict[str, Any]:
    """Repeat-visit rate and visit frequency, RFM segments and the top guests by spend: one pass over the guests
    who visited the period's restaurants in the period (see visit_habits, rfm_segments, top_guests)."""
    per_guest, params = _per_guest_sql(period)
    _start, end = period.bounds
    rfm_class, rfm_params = rfm_class_sql(end)
    rows = fetch_rows(
        f"WITH g AS MATERIALIZED ({per_guest}), a AS (SELECT avg(spend) AS avg_spend FROM g) "  # noqa: S608
        f"SELECT 'segment', {rfm_class}, "
        "count(*), sum(n), sum(spend), count(*) FILTER (WHERE n >= 2), NULL::bigint FROM g, a GROUP BY 2 "
        "UNION ALL (SELECT 'top', NULL, NULL, n, spend, NULL, guest_id FROM g ORDER BY spend DESC, guest_id LIMIT %s)",
        [*params, *rfm_params, top],
        analytics_connection(),
    )
    segments = {row[1]: row[2:6] for row in rows if row[0] == "segment"}
    leaders = [
        {"guest_id": guest_id, "spend_amount": spend, "visits": int(visits)}
        for kind, _segment, _count, visits, spend, _repeaters, guest_id in rows
        if kind == "top"
    ]
    return {
        "habits": _habits(segments),
        "rfm": _segment_table(segments),
        "top_guests": _named(leaders),
    }


def _habits(segments: dict[str, tuple[Any, ...]]) -> dict[str, Any]:
    guests = sum(count for count, _visits, _spend, _repeaters in segments.values())
    repeaters = sum(repeaters for _count, _visits, _spend, repeaters in segments.values())
    visits = sum((visits for _count, visits, _spend, _repeaters in segments.values()), Decimal(0))
    return {
        "visiting_guests": guests,
        "repeat_guests": repeaters,
        "repeat_rate_percent": _share(repeaters, guests),
        "visits_per_guest": (Decimal(visits) / guests).quantize(CENT) if guests else None,
    }


def _segment_table(segments: dict[str, tuple[Any, ...]]) -> list[dict[str, Any]]:
    total = sum(count for count, _visits, _spend, _repeaters in segments.values())
    table = []
    for code, name, definition in SEGMENTS:
        count, visits, spend, _repeaters = segments.get(code, (0, 0, ZERO, 0))
        table.append(
            {
                "segment": code,
                "name": name,
                "definition": definition,
                "guests": count,
                "share_percent": _share(count, total),
                "visits": visits,
                "spend_amount": spend,
                "average_spend_amount": (spend / count).quantize(CENT) if count else None,
            }
        )
    return table


def _named(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = {
        guest.id: guest
        for guest in Guest.objects.using(_db())
        .filter(id__in=[row["guest_id"] for row in rows])
        .only("id", "first_name", "last_name", "status")
    }
    for row in rows:
        row["name"] = _display_name(names.get(row["guest_id"]))
    return rows


def visit_habits(period: Period) -> dict[str, Any]:
    """Repeat-visit rate (share of visiting guests who came at least twice) and visits per visiting guest."""
    return dict(guest_figures(period, top=0)["habits"])


def rfm_segments(period: Period) -> list[dict[str, Any]]:
    """Guests who visited in the period, segmented by recency (days from their last visit to the period's end),
    frequency (visits in the period) and monetary value (spend in the period against the average guest's)."""
    return list(guest_figures(period, top=0)["rfm"])


def top_guests(period: Period, limit: int = 10) -> list[dict[str, Any]]:
    """Guests who spent most in the period (names only: contacts stay on the guest pages)."""
    return list(guest_figures(period, top=limit)["top_guests"])


def _cohort_counts(period: Period) -> dict[dt.date, dict[dt.date, int]]:
    """{cohort month: {month: guests of the cohort who visited in it}} from the roll-up; when the period's last
    month goes on past its end with visits, that month's column is counted from the raw visits before the end."""
    _start, end = period.bounds
    first, last = month_of(period.start), month_of(period.end)
    last_start, last_end = month_bounds(last, period.zone)
    whole_last = end == last_end or not _has_visits(period, end, last_end)
    last_rolled_up = last if whole_last else month_of(last - dt.timedelta(days=1))
    scope, scope_params = _activity_scope(period)
    table = GuestMonthActivity._meta.db_table
    counts: dict[dt.date, dict[dt.date, int]] = defaultdict(dict)
    if period.restaurant_ids is not None and len(period.restaurant_ids) > 1:
        # Several restaurants: a guest's cohort is their earliest first month among them, and a guest who first
        # came to one of them before the period belongs to an earlier cohort.
        rows = fetch_rows(
            "SELECT cohort, month, count(DISTINCT guest_id) FROM ("  # noqa: S608
            "  SELECT guest_id, month, min(first_visit_month) OVER (PARTITION BY guest_id) AS cohort "
            f"  FROM {table} a WHERE {scope} AND first_visit_month >= %s AND month <= %s "
            f"  AND NOT EXISTS (SELECT 1 FROM {table} o WHERE o.guest_id = a.guest_id "
            f"    AND o.{scope} AND o.month < %s)) rows GROUP BY 1, 2",
            [*scope_params, first, last_rolled_up, *scope_params, first],
            analytics_connection(),
        )
    else:
        rows = fetch_rows(
            f"SELECT first_visit_month, month, count(*) FROM {table} "  # noqa: S608
            f"WHERE {scope} AND first_visit_month >= %s AND month <= %s GROUP BY 1, 2",
            [*scope_params, first, last_rolled_up],
            analytics_connection(),
        )
    for cohort, month, count in rows:
        counts[cohort][month] = count
    if not whole_last:
        where, params = _restaurant_sql(period, "v.restaurant_id")
        for cohort, count in fetch_rows(
            "SELECT cohort, count(*) FROM ("  # noqa: S608
            f"  SELECT DISTINCT v.guest_id, (SELECT min(o.first_visit_month) FROM {table} o "
            f"    WHERE o.guest_id = v.guest_id AND o.{scope}) AS cohort "
            f"  FROM {Visit._meta.db_table} v WHERE v.visited_at >= %s AND v.visited_at < %s{where}) visitors "
            "WHERE cohort >= %s GROUP BY 1",
            [*scope_params, last_start, end, *params, first],
            analytics_connection(),
        ):
            counts[cohort][last] = count
    return counts


def retention_cohorts(period: Period) -> list[dict[str, Any]]:
    """Guests grouped by the month of their first visit (months of the period); for each later month up to the
    period's end, the share of the cohort who visited again. Only visits to the period's restaurants count."""
    counts = _cohort_counts(period)
    last_month = month_of(period.end)
    table = []
    for cohort in sorted(counts):
        size = counts[cohort][cohort]
        cells = []
        month, offset = cohort, 0
        while month <= last_month:
            returned = counts[cohort].get(month, 0)
            cells.append({"offset": offset, "guests": returned, "percent": _share(returned, size)})
            offset += 1
            month = next_month(month)
        table.append({"cohort": cohort, "size": size, "months": cells})
    return table


def _display_name(guest: Guest | None) -> str:
    if guest is None or guest.status == GuestStatus.ERASED:
        return str(_("(erased)"))
    name = " ".join(part for part in (guest.first_name, guest.last_name[:1] + "." if guest.last_name else "") if part)
    return name or f"#{guest.id}"


def _guests_of(period: Period) -> QuerySet[Guest]:
    # A merged profile is one person with its survivor (guests.merge): counted once, as the survivor.
    guests = (
        Guest.objects.using(_db()).exclude(status__in=(GuestStatus.ERASED, GuestStatus.MERGED)).exclude(is_test=True)
    )
    if period.restaurant_ids is not None:
        guests = guests.filter(home_restaurant_id__in=period.restaurant_ids)
    return guests


def level_distribution(period: Period) -> list[dict[str, Any]]:
    """Guests per current level (a manager sees guests whose home restaurant is theirs)."""
    accounts = PointsAccount.objects.using(_db())
    left_out = Q(guest__status__in=(GuestStatus.ERASED, GuestStatus.MERGED)) | Q(guest__is_test=True)
    if period.restaurant_ids is not None:
        scoped = accounts.filter(guest__home_restaurant_id__in=period.restaurant_ids).exclude(left_out)
        counts = {row["level_id"]: row["guests"] for row in scoped.values("level_id").annotate(guests=Count("id"))}
    else:
        # The whole chain: every account counted (no join: a third of the time at 1M guests), then the few
        # accounts of erased and test guests taken off.
        counts = {row["level_id"]: row["guests"] for row in accounts.values("level_id").annotate(guests=Count("id"))}
        for row in accounts.filter(left_out).values("level_id").annotate(guests=Count("id")):
            counts[row["level_id"]] -= row["guests"]
        counts = {level_id: guests for level_id, guests in counts.items() if guests}
    levels = {level.id: level for level in Level.objects.using(_db()).filter(id__in=[i for i in counts if i])}
    total = sum(counts.values())
    ordered = sorted(
        counts.items(),
        key=lambda item: (item[0] in levels, levels[item[0]].threshold_amount if item[0] in levels else None),
    )
    return [
        {
            "level": levels[level_id].name if level_id in levels else _("No level"),
            "guests": guests,
            "share_percent": _share(guests, total),
        }
        for level_id, guests in ordered
    ]


def birthdays_this_week(period: Period, today: dt.date, limit: int = 50) -> dict[str, Any]:
    """Guests whose birthday falls in the current week (Monday to Sunday) in the chain's time zone."""
    monday = today - dt.timedelta(days=today.weekday())
    week = [monday + dt.timedelta(days=n) for n in range(7)]
    match = Q()
    for day in week:
        match |= Q(birthday__month=day.month, birthday__day=day.day)
    guests = (
        _guests_of(period)
        .filter(match)
        .only("id", "first_name", "last_name", "status", "birthday")
        .annotate(matching=Window(Count("id")))  # the total alongside the first rows: one scan of the guests
        .order_by(ExtractMonth("birthday"), ExtractDay("birthday"), "id")
    )
    listed = list(guests[:limit])
    return {
        "week_start": monday,
        "week_end": week[-1],
        "count": listed[0].matching if listed else 0,
        "guests": [
            {"guest_id": guest.id, "name": _display_name(guest), "birthday": guest.birthday} for guest in listed
        ],
    }


def promo_performance(period: Period) -> list[dict[str, Any]]:
    """Promo-code uses in the period (refunded checks left out): uses, revenue of those checks, points they earned."""
    start, end = period.bounds
    uses = PromoCodeUse.objects.using(_db()).filter(
        applied_check__checked_at__gte=start,
        applied_check__checked_at__lt=end,
        applied_check__reversed_at__isnull=True,
    )
    if period.restaurant_ids is not None:
        uses = uses.filter(applied_check__restaurant_id__in=period.restaurant_ids)
    rows = (
        uses.values("code__promo_id", promo=F("code__promo__name"))
        .annotate(
            uses=Count("id"),
            guests=Count("guest_id", distinct=True),
            revenue_amount=Sum("applied_check__total_amount"),
            points=Sum("applied_check__points_earned"),
        )
        .order_by("-uses", "promo")
    )
    return [
        {
            "promo": row["promo"],
            "uses": row["uses"],
            "guests": row["guests"],
            "revenue_amount": row["revenue_amount"] or ZERO,
            "points": row["points"] or 0,
        }
        for row in rows
    ]
