"""The chain's points liability: what is outstanding now, when it expires, how past cohorts were used, a forecast,
and the accountant's monthly statement (IFRS 15 deferred revenue view). Reads only; money at the chain's point value.

Definitions
- Outstanding: the open FIFO lots (positive entries with remaining_points > 0; a pending lot's remaining_points is
  all of it): available (not pending) and pending, per restaurant of the earning entry (none: bonuses without one).
- Expiry schedule: open, not pending lots by the chain-local month of expires_at; a lot already past its expiry
  but not yet swept counts in the current month; lots without expiry are shown apart.
- Cohort: the chain-local month an earning entry (accrual, welcome, birthday, referral, promo bonus) was created.
  Its `issued` is the sum of those entries, `open` the sum of their remaining_points. Consumption is mapped to lots
  as the ledger services take it (loyalty.services.ledger.take_from_lots, loyalty.services.expiry): per guest the
  lots are laid end to end in FIFO order (expires_at, nulls last, then available_at, id), each lot covering the
  interval [points of earlier lots, + its points); the guest's deductions (negative entries) are laid end to end
  in time order (created_at, id). The overlap of a lot's interval with a deduction's is what that deduction took
  from it, so an EXPIRY entry takes from the oldest-expiring lots still open, a redemption from the soonest to
  expire. `expired` = what EXPIRY entries took, `redeemed` = what REDEMPTION entries took, `other` = issued − open
  − redeemed − expired (reversals and manual deductions, and any point a deduction out of FIFO order took
  elsewhere). Rates are shares of issued.
- Forecast: the breakage rate of the mature cohorts (no open points left), expired ÷ issued summed over them, is
  applied to the open lots of each expiry month; the rest of those lots is forecast as redeemed.
- Statement: per chain-local month from the daily roll-ups (analytics.models.DailyRestaurantStats): opening =
  all net points before the month, issued (earning kinds), redeemed, expired, other = net − issued + redeemed +
  expired (reversals and manual adjustments, signed), closing = opening + issued − redeemed − expired + other.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.metrics import CENT, point_value_amount
from analytics.models import DailyRestaurantStats, LiabilitySnapshot
from analytics.periods import month_bounds, month_of, next_month
from analytics.routers import analytics_connection, fetch_rows, fetch_rows_of_heavy_query
from analytics.selectors import ids_of_test_guests
from loyalty.models import EARNING_KINDS, EntryKind, LedgerEntry
from maxloyalty.errors import DomainError
from restaurants.models import Restaurant

HORIZON_MONTHS = 12
STATEMENT_MONTHS_AT_MOST = 120
MONTH_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}")
LEDGER = LedgerEntry._meta.db_table


class InvalidMonth(DomainError):
    code, status, message = "invalid_month", 400, _("Months must be given as YYYY-MM.")


def _month_parameter(value: str | None, name: str, default: dt.date) -> dt.date:
    if not value:
        return default
    try:
        if not MONTH_TEXT.fullmatch(value):
            raise ValueError(value)
        return dt.date(int(value[:4]), int(value[5:]), 1)
    except ValueError:
        raise InvalidMonth(fields={name: [str(_("Enter a month as YYYY-MM."))]}) from None


def parse_statement_months(*, first: str | None, last: str | None, zone: ZoneInfo) -> tuple[dt.date, dt.date]:
    """The statement's months from YYYY-MM texts (absent: the last 12 months up to this one); InvalidMonth (400,
    with the field) for anything else, a reversed range or more than 120 months."""
    today = timezone.now().astimezone(zone).date()
    last_month = _month_parameter(last, "to", month_of(today))
    first_month = _month_parameter(first, "from", month_of(last_month - dt.timedelta(days=334)))
    if first_month > last_month:
        raise InvalidMonth(fields={"from": [str(_("The first month must not be after the last."))]})
    if (last_month.year - first_month.year) * 12 + last_month.month - first_month.month >= STATEMENT_MONTHS_AT_MOST:
        raise InvalidMonth(fields={"to": [str(_("At most 120 months at once."))]})
    return first_month, last_month


@dataclass(frozen=True)
class Money:
    value: Decimal  # of one point

    def of(self, points: int | Decimal) -> Decimal:
        return (Decimal(points) * self.value).quantize(CENT)


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1")) if whole else None


def _months(first: dt.date, count: int) -> list[dt.date]:
    months = [first]
    while len(months) < count:
        months.append(next_month(months[-1]))
    return months


def outstanding(money: Money) -> dict[str, Any]:
    """Open points now, available and pending, per restaurant of the lot (None: lots without a restaurant)."""
    rows = fetch_rows(
        "SELECT restaurant_id, coalesce(sum(remaining_points) FILTER (WHERE NOT is_pending), 0), "  # noqa: S608
        f"coalesce(sum(remaining_points) FILTER (WHERE is_pending), 0) FROM {LEDGER} "
        "WHERE remaining_points > 0 AND guest_id <> ALL(%s::bigint[]) GROUP BY 1",
        [ids_of_test_guests()],
        analytics_connection(),
    )
    names = dict(Restaurant.objects.using(analytics_connection().alias).values_list("id", "name"))
    restaurants = sorted(
        (
            {
                "restaurant_id": restaurant_id,
                "name": names.get(restaurant_id, "") if restaurant_id else "",
                "available_points": int(available),
                "pending_points": int(pending),
                "available_amount": money.of(available),
                "pending_amount": money.of(pending),
            }
            for restaurant_id, available, pending in rows
        ),
        key=lambda row: (row["restaurant_id"] is None, row["name"]),
    )
    available = sum(row["available_points"] for row in restaurants)
    pending = sum(row["pending_points"] for row in restaurants)
    return {
        "available_points": available,
        "pending_points": pending,
        "total_points": available + pending,
        "available_amount": money.of(available),
        "pending_amount": money.of(pending),
        "total_amount": money.of(available + pending),
        "restaurants": restaurants,
    }


def _open_lots_by_expiry_month(zone: ZoneInfo, first: dt.date) -> tuple[dict[dt.date, int], int]:
    """{expiry month: points} of open, not pending lots (months before `first` folded into it), and points of
    open lots without expiry."""
    by_month: dict[dt.date, int] = {}
    never = 0
    for month, points in fetch_rows(
        "SELECT date_trunc('month', expires_at AT TIME ZONE %s)::date, sum(remaining_points) "  # noqa: S608
        f"FROM {LEDGER} WHERE remaining_points > 0 AND NOT is_pending AND guest_id <> ALL(%s::bigint[]) GROUP BY 1",
        [zone.key, ids_of_test_guests()],
        analytics_connection(),
    ):
        if month is None:
            never += int(points)
        else:
            key = max(month, first)
            by_month[key] = by_month.get(key, 0) + int(points)
    return by_month, never


def expiry_schedule(zone: ZoneInfo, today: dt.date, money: Money) -> dict[str, Any]:
    """Points that expire in each of the next 12 months (this one first) if not spent; later and never apart."""
    first = month_of(today)
    by_month, never = _open_lots_by_expiry_month(zone, first)
    months = _months(first, HORIZON_MONTHS)
    later = sum(points for month, points in by_month.items() if month > months[-1])
    return {
        "months": [
            {"month": month, "points": by_month.get(month, 0), "amount": money.of(by_month.get(month, 0))}
            for month in months
        ],
        "later_points": later,
        "later_amount": money.of(later),
        "no_expiry_points": never,
        "no_expiry_amount": money.of(never),
    }


def cohort_rates(zone: ZoneInfo, first: dt.date, last: dt.date, money: Money) -> list[dict[str, Any]]:
    """Issued, redeemed, expired, other and open points of each cohort month first..last (see the module's
    docstring for how consumption is mapped to lots), with redemption and breakage rates.

    Cost: the cohorts' guests and lots are found with a created_at range (partition pruning), but the FIFO
    offsets need each of those guests' whole ledger; a cohort × month roll-up would bound it, and is not built yet.
    The guests are joined (their CTE is distinct already), not tested with IN (SELECT …): the planner guesses 200
    distinct guests for that and probes every month's partition per guest in a nested loop, which at 10M entries
    did not finish in 8 minutes; joined, with room to sort (fetch_rows_of_heavy_query), it took 29 s
    (docs/benchmarks.md)."""
    start, _end = month_bounds(first, zone)
    _start, end = month_bounds(last, zone)
    test_guests = ids_of_test_guests()
    order = "PARTITION BY guest_id ORDER BY expires_at ASC NULLS LAST, available_at, id"
    rows = fetch_rows_of_heavy_query(
        f"WITH guests AS (SELECT DISTINCT guest_id FROM {LEDGER} WHERE created_at >= %s AND created_at < %s "  # noqa: S608
        "  AND points > 0 AND kind = ANY(%s) AND guest_id <> ALL(%s::bigint[])), "
        "lots AS (SELECT id, kind, points, remaining_points, "
        "  date_trunc('month', created_at AT TIME ZONE %s)::date AS cohort, created_at, "
        f"  sum(points) OVER ({order}) - points AS lot_start, sum(points) OVER ({order}) AS lot_end, guest_id "
        f"  FROM {LEDGER} JOIN guests USING (guest_id) WHERE points > 0), "
        "deductions AS (SELECT guest_id, kind, "
        "  sum(-points) OVER (PARTITION BY guest_id ORDER BY created_at, id) + points AS d_start, "
        "  sum(-points) OVER (PARTITION BY guest_id ORDER BY created_at, id) AS d_end "
        f"  FROM {LEDGER} JOIN guests USING (guest_id) WHERE points < 0), "
        "cohort_lots AS (SELECT * FROM lots WHERE created_at >= %s AND created_at < %s AND kind = ANY(%s)) "
        "SELECT cohort, 'issued', sum(points) FROM cohort_lots GROUP BY 1 "
        "UNION ALL SELECT cohort, 'open', sum(remaining_points) FROM cohort_lots GROUP BY 1 "
        "UNION ALL SELECT l.cohort, d.kind, sum(least(l.lot_end, d.d_end) - greatest(l.lot_start, d.d_start)) "
        "FROM cohort_lots l JOIN deductions d ON d.guest_id = l.guest_id "
        "  AND d.d_start < l.lot_end AND d.d_end > l.lot_start AND d.kind = ANY(%s) GROUP BY 1, 2",
        [
            start,
            end,
            sorted(EARNING_KINDS),
            test_guests,
            zone.key,
            start,
            end,
            sorted(EARNING_KINDS),
            [EntryKind.REDEMPTION.value, EntryKind.EXPIRY.value],
        ],
        analytics_connection(),
    )
    figures: dict[dt.date, dict[str, int]] = {}
    for cohort, what, points in rows:
        figures.setdefault(cohort, {})[what] = int(points or 0)
    table = []
    for cohort in sorted(figures):
        row = figures[cohort]
        issued, open_points = row.get("issued", 0), row.get("open", 0)
        redeemed, expired = row.get(EntryKind.REDEMPTION.value, 0), row.get(EntryKind.EXPIRY.value, 0)
        other = issued - open_points - redeemed - expired
        table.append(
            {
                "cohort": cohort,
                "issued_points": issued,
                "redeemed_points": redeemed,
                "expired_points": expired,
                "other_points": other,
                "open_points": open_points,
                "issued_amount": money.of(issued),
                "redemption_rate_percent": _rate(redeemed, issued),
                "breakage_rate_percent": _rate(expired, issued),
                "is_mature": open_points == 0,
            }
        )
    return table


def breakage_rate(cohorts: list[dict[str, Any]]) -> Decimal | None:
    """Expired ÷ issued over the mature cohorts (none left open), as a fraction; None without any."""
    mature = [row for row in cohorts if row["is_mature"] and row["issued_points"]]
    issued = sum(row["issued_points"] for row in mature)
    if not issued:
        return None
    return Decimal(sum(row["expired_points"] for row in mature)) / Decimal(issued)


def forecast(schedule: dict[str, Any], rate: Decimal | None, money: Money) -> list[dict[str, Any]]:
    """Per month of the schedule: its expiring points split into forecast breakage (rate × points, rounded to
    whole points) and forecast redemption (the rest). Without a mature cohort the rate is taken as 0."""
    fraction = rate or Decimal(0)
    rows = []
    for month in schedule["months"]:
        expire = int((month["points"] * fraction).to_integral_value())
        redeem = month["points"] - expire
        rows.append(
            {
                "month": month["month"],
                "points": month["points"],
                "redeem_points": redeem,
                "expire_points": expire,
                "redeem_amount": money.of(redeem),
                "expire_amount": money.of(expire),
            }
        )
    return rows


def liability_summary(zone: ZoneInfo, today: dt.date | None = None, history_months: int = 24) -> dict[str, Any]:
    """Everything the liability page and API show: outstanding, schedule, cohorts of the last months, forecast."""
    today = today or timezone.now().astimezone(zone).date()
    money = Money(point_value_amount())
    schedule = expiry_schedule(zone, today, money)
    this_month = month_of(today)
    first = this_month
    for _n in range(history_months - 1):
        first = month_of(first - dt.timedelta(days=1))
    cohorts = cohort_rates(zone, first, this_month, money)
    rate = breakage_rate(cohorts)
    return {
        "point_value_amount": money.value,
        "outstanding": outstanding(money),
        "schedule": schedule,
        "cohorts": cohorts,
        "breakage_rate_percent": (rate * 100).quantize(Decimal("0.1")) if rate is not None else None,
        "forecast": forecast(schedule, rate, money),
    }


def monthly_statement(zone: ZoneInfo, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """The deferred-revenue roll-forward per chain-local month first..last (see the module's docstring)."""
    money = Money(point_value_amount())
    stats = DailyRestaurantStats.objects.using(analytics_connection().alias)
    opening = stats.filter(day__lt=first).aggregate(net=Sum("points_net"))["net"] or 0
    sums: dict[dt.date, dict[str, Any]] = {
        row["month"]: dict(row)
        for row in stats.filter(day__gte=first, day__lt=next_month(last))
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(
            issued=Sum("points_issued"),
            redeemed=Sum("points_redeemed"),
            expired=Sum("points_expired"),
            net=Sum("points_net"),
        )
    }
    rows = []
    month = first
    while month <= last:
        row: dict[str, Any] = sums.get(month, {})
        issued, redeemed, expired, net = (int(row.get(name) or 0) for name in ("issued", "redeemed", "expired", "net"))
        other = net - issued + redeemed + expired
        closing = opening + net
        opening_amount, closing_amount = money.of(opening), money.of(closing)
        issued_amount, redeemed_amount, expired_amount = money.of(issued), money.of(redeemed), money.of(expired)
        rows.append(
            {
                "month": month,
                "opening_points": opening,
                "issued_points": issued,
                "redeemed_points": redeemed,
                "expired_points": expired,
                "other_points": other,
                "closing_points": closing,
                "opening_amount": opening_amount,
                "issued_amount": issued_amount,
                "redeemed_amount": redeemed_amount,
                "expired_amount": expired_amount,
                # the balancing figure in money, so the identity holds to the cent after rounding
                "other_amount": closing_amount - opening_amount - issued_amount + redeemed_amount + expired_amount,
                "closing_amount": closing_amount,
            }
        )
        opening = closing
        month = next_month(month)
    return rows


@dataclass(frozen=True)
class LiabilityView:
    """The newest liability snapshot: the summary as liability_summary returns it, and when it was computed."""

    summary: dict[str, Any]
    computed_at: dt.datetime
    seconds: float
    is_stale: bool  # older than LIABILITY_SNAPSHOT_MAX_AGE_SECONDS


def _restored(value: Any, key: str = "") -> Any:
    """A stored summary's JSON back in liability_summary's types: months as dates, money and rates as Decimals."""
    if isinstance(value, dict):
        return {name: _restored(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_restored(item, key) for item in value]
    if value is None:
        return None
    if key in ("month", "cohort"):
        return dt.date.fromisoformat(value)
    if key == "amount" or key.endswith(("_amount", "_percent")):
        return Decimal(value)
    return value


def latest_liability() -> LiabilityView | None:
    """The newest snapshot (analytics.liability_snapshots keeps them), or None before the first."""
    snapshot = LiabilitySnapshot.objects.order_by("-computed_at", "-id").first()
    if snapshot is None:
        return None
    age = (timezone.now() - snapshot.computed_at).total_seconds()
    return LiabilityView(
        summary=_restored(snapshot.summary),
        computed_at=snapshot.computed_at,
        seconds=snapshot.seconds,
        is_stale=age > settings.LIABILITY_SNAPSHOT_MAX_AGE_SECONDS,
    )
