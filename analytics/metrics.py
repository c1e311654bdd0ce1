"""The chain's metrics over a date range and a set of restaurants (None: all, including unattributed rows).

Day-additive figures come from the daily roll-ups (analytics.models.DailyRestaurantStats); figures that need distinct
guests (active guests, repeat rate, cohorts, RFM, top guests) read the raw visits. Callers cache (analytics.selectors).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from analytics.models import DailyRestaurantStats
from analytics.rollups import day_bounds
from analytics.routers import analytics_connection
from guests.models import Guest, GuestStatus, Visit
from loyalty.models import PointsAccount, ProgramSettings, PromoCodeUse

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


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with analytics_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


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


def _zeroed(values: dict[str, Any]) -> dict[str, Any]:
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
    by_day = {
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


def active_guests(period: Period, days: int) -> int:
    """Guests with a visit (in the period's restaurants) during the `days` days that end with the period's end."""
    _start, end = period.bounds
    where, params = _restaurant_sql(period, "restaurant_id")
    (count,) = _fetch(
        f"SELECT count(DISTINCT guest_id) FROM {Visit._meta.db_table} "  # noqa: S608
        f"WHERE visited_at >= %s AND visited_at < %s{where}",
        [end - dt.timedelta(days=days), end, *params],
    )[0]
    return int(count)


def visit_habits(period: Period) -> dict[str, Any]:
    """Repeat-visit rate (share of visiting guests who came at least twice) and visits per visiting guest."""
    start, end = period.bounds
    where, params = _restaurant_sql(period, "restaurant_id")
    guests, repeaters, visits = _fetch(
        "SELECT count(*), count(*) FILTER (WHERE n >= 2), coalesce(sum(n), 0) FROM ("  # noqa: S608
        f"SELECT guest_id, count(*) AS n FROM {Visit._meta.db_table} "
        f"WHERE visited_at >= %s AND visited_at < %s{where} GROUP BY guest_id) per_guest",
        [start, end, *params],
    )[0]
    return {
        "visiting_guests": guests,
        "repeat_guests": repeaters,
        "repeat_rate_percent": _share(repeaters, guests),
        "visits_per_guest": (Decimal(visits) / guests).quantize(CENT) if guests else None,
    }


def _add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def retention_cohort_sql(period: Period) -> tuple[str, list[Any]]:
    """The heaviest metric's query (every visit up to the period's end); the benchmark times it bare."""
    _start, end = period.bounds
    where, params = _restaurant_sql(period, "restaurant_id")
    sql = (
        "WITH months AS ("  # noqa: S608
        f"  SELECT guest_id, date_trunc('month', visited_at AT TIME ZONE %s)::date AS month "
        f"  FROM {Visit._meta.db_table} WHERE visited_at < %s{where} GROUP BY 1, 2), "
        "cohorts AS (SELECT guest_id, min(month) AS cohort FROM months GROUP BY guest_id HAVING min(month) >= %s) "
        "SELECT cohort, month, count(*) FROM months JOIN cohorts USING (guest_id) GROUP BY 1, 2 ORDER BY 1, 2"
    )
    return sql, [period.zone.key, end, *params, period.start.replace(day=1)]


def retention_cohorts(period: Period) -> list[dict[str, Any]]:
    """Guests grouped by the month of their first visit (months of the period); for each later month up to the
    period's end, the share of the cohort who visited again. Only visits to the period's restaurants count."""
    rows = _fetch(*retention_cohort_sql(period))
    counts: dict[dt.date, dict[dt.date, int]] = defaultdict(dict)
    for cohort, month, count in rows:
        counts[cohort][month] = count
    last_month = period.end.replace(day=1)
    table = []
    for cohort in sorted(counts):
        size = counts[cohort][cohort]
        cells = []
        month, offset = cohort, 0
        while month <= last_month:
            returned = counts[cohort].get(month, 0)
            cells.append({"offset": offset, "guests": returned, "percent": _share(returned, size)})
            offset += 1
            month = _add_months(cohort, offset)
        table.append({"cohort": cohort, "size": size, "months": cells})
    return table


SEGMENTS = [
    ("champions", _("Champions"), _("Visited in the last 30 days, 5 or more visits, spent at least the average")),
    ("loyal", _("Loyal"), _("Visited in the last 90 days, 2 or more visits (and not a champion)")),
    ("new", _("New"), _("Visited in the last 30 days, one visit")),
    ("promising", _("Needs attention"), _("Last visit 31–90 days ago, one visit")),
    ("at_risk", _("At risk"), _("No visit in the last 90 days, 2 or more visits")),
    ("lost", _("Lost"), _("No visit in the last 90 days, one visit")),
]


def rfm_segments(period: Period) -> list[dict[str, Any]]:
    """Guests who visited in the period, segmented by recency (days from their last visit to the period's end),
    frequency (visits in the period) and monetary value (spend in the period against the average guest's)."""
    start, end = period.bounds
    where, params = _restaurant_sql(period, "restaurant_id")
    rows = _fetch(
        "WITH g AS ("  # noqa: S608
        f"  SELECT guest_id, max(visited_at) AS last_at, count(*) AS n, sum(check_amount) AS spend "
        f"  FROM {Visit._meta.db_table} WHERE visited_at >= %s AND visited_at < %s{where} GROUP BY guest_id), "
        "s AS (SELECT *, extract(epoch FROM %s - last_at) / 86400 AS idle_days, avg(spend) OVER () AS avg_spend "
        "  FROM g) "
        "SELECT CASE "
        "  WHEN idle_days <= 30 AND n >= 5 AND spend >= avg_spend THEN 'champions' "
        "  WHEN idle_days <= 90 AND n >= 2 THEN 'loyal' "
        "  WHEN idle_days <= 30 THEN 'new' "
        "  WHEN idle_days <= 90 THEN 'promising' "
        "  WHEN n >= 2 THEN 'at_risk' ELSE 'lost' END AS segment, "
        "count(*), sum(n), sum(spend) FROM s GROUP BY 1",
        [start, end, *params, end],
    )
    found = {segment: (count, visits, spend) for segment, count, visits, spend in rows}
    total = sum(count for count, _v, _s in found.values())
    table = []
    for code, name, definition in SEGMENTS:
        count, visits, spend = found.get(code, (0, 0, ZERO))
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


def top_guests(period: Period, limit: int = 10) -> list[dict[str, Any]]:
    """Guests who spent most in the period (names only: contacts stay on the guest pages)."""
    start, end = period.bounds
    visits = Visit.objects.using(_db()).filter(visited_at__gte=start, visited_at__lt=end)
    if period.restaurant_ids is not None:
        visits = visits.filter(restaurant_id__in=period.restaurant_ids)
    rows = list(
        visits.values("guest_id")
        .annotate(spend_amount=Sum("check_amount"), visits=Count("id"))
        .order_by("-spend_amount", "guest_id")[:limit]
    )
    names = {
        guest.id: guest
        for guest in Guest.objects.using(_db())
        .filter(id__in=[row["guest_id"] for row in rows])
        .only("id", "first_name", "last_name", "status")
    }
    for row in rows:
        guest = names.get(row["guest_id"])
        row["name"] = _display_name(guest)
    return rows


def _display_name(guest: Guest | None) -> str:
    if guest is None or guest.status == GuestStatus.ERASED:
        return str(_("(erased)"))
    name = " ".join(part for part in (guest.first_name, guest.last_name[:1] + "." if guest.last_name else "") if part)
    return name or f"#{guest.id}"


def _guests_of(period: Period) -> QuerySet[Guest]:
    guests = Guest.objects.using(_db()).exclude(status=GuestStatus.ERASED)
    if period.restaurant_ids is not None:
        guests = guests.filter(home_restaurant_id__in=period.restaurant_ids)
    return guests


def level_distribution(period: Period) -> list[dict[str, Any]]:
    """Guests per current level (a manager sees guests whose home restaurant is theirs)."""
    accounts = PointsAccount.objects.using(_db()).exclude(guest__status=GuestStatus.ERASED)
    if period.restaurant_ids is not None:
        accounts = accounts.filter(guest__home_restaurant_id__in=period.restaurant_ids)
    rows = accounts.values("level_id", "level__name", "level__threshold_amount").annotate(guests=Count("id"))
    total = sum(row["guests"] for row in rows)
    ordered = sorted(rows, key=lambda row: (row["level__threshold_amount"] is not None, row["level__threshold_amount"]))
    return [
        {
            "level": row["level__name"] or str(_("No level")),
            "guests": row["guests"],
            "share_percent": _share(row["guests"], total),
        }
        for row in ordered
    ]


def birthdays_this_week(period: Period, today: dt.date, limit: int = 50) -> dict[str, Any]:
    """Guests whose birthday falls in the current week (Monday to Sunday) in the chain's time zone."""
    monday = today - dt.timedelta(days=today.weekday())
    week = [monday + dt.timedelta(days=n) for n in range(7)]
    match = Q()
    for day in week:
        match |= Q(birthday__month=day.month, birthday__day=day.day)
    guests = _guests_of(period).filter(match).only("id", "first_name", "last_name", "status", "birthday")
    listed = sorted(guests[:limit], key=lambda guest: (guest.birthday.month, guest.birthday.day, guest.id))  # type: ignore[union-attr]
    return {
        "week_start": monday,
        "week_end": week[-1],
        "count": guests.count(),
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
