"""The guest × month roll-up equals a direct computation over the raw visits after random inserts and deletions
spread over months, restaurants and month boundaries of the chain's time zone; and the metrics read from it (repeat
rate, visit frequency, RFM, top guests, cohorts, active guests) equal the same metrics counted straight from the
visits, for periods that cut months in the middle and for every kind of restaurant scope."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from analytics import metrics
from analytics.metrics import Period
from analytics.models import GuestMonthActivity
from analytics.periods import chain_time_zone
from analytics.rollups import rebuild_guest_months, refresh_dirty_days
from analytics.tasks import roll_up_daily_stats
from analytics.tests.dataset import add_guest, add_visit, delete_visit
from guests.models import Visit

FIRST_DAY = dt.date(2025, 1, 20)
LAST_DAY = dt.date(2025, 5, 10)
SPAN = (LAST_DAY - FIRST_DAY).days + 1


def _random_moment(rng: random.Random, zone: ZoneInfo) -> dt.datetime:
    day = FIRST_DAY + dt.timedelta(days=rng.randrange(SPAN))
    if rng.random() < 0.3:  # the first or last minutes of a month, where UTC and the chain's zone disagree
        day = rng.choice([day.replace(day=1), (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)])
        day -= dt.timedelta(days=rng.choice([0, 1]))
    minute = rng.choice([0, 1, 30, 23 * 60 + 59, rng.randrange(24 * 60)])
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone) + dt.timedelta(minutes=minute)


def _insert_random(rng: random.Random, alpha, zone: ZoneInfo, guests: list, count: int) -> None:
    restaurants = [*alpha.restaurants, None]
    guests += [add_guest(created_at=_random_moment(rng, zone), home=rng.choice(restaurants)) for _ in range(3)]
    for _ in range(count):
        amount = Decimal(rng.randrange(100, 500_000)) / 100
        add_visit(rng.choice(guests), rng.choice(restaurants), _random_moment(rng, zone), str(amount))


def _expected_rows(guest_ids: list[int], zone: ZoneInfo) -> dict:
    rows: dict[tuple, dict[str, Any]] = {}
    for visit in Visit.objects.filter(guest_id__in=guest_ids):
        month = visit.visited_at.astimezone(zone).date().replace(day=1)
        scopes = [None] if visit.restaurant_id is None else [None, visit.restaurant_id]
        for scope in scopes:
            row = rows.setdefault(
                (visit.guest_id, scope, month),
                {"visits": 0, "amount": Decimal(0), "first": visit.visited_at, "last": visit.visited_at},
            )
            row["visits"] += 1
            row["amount"] += visit.check_amount
            row["first"] = min(row["first"], visit.visited_at)
            row["last"] = max(row["last"], visit.visited_at)
    first_months: dict[tuple, dt.date] = {}
    for guest_id, scope, month in rows:
        first_months[guest_id, scope] = min(month, first_months.get((guest_id, scope), month))
    for (guest_id, scope, _month), row in rows.items():
        row["first_month"] = first_months[guest_id, scope]
    return rows


def _rolled_up_rows(guest_ids: list[int]) -> dict:
    return {
        (row.guest_id, row.restaurant_id, row.month): {
            "visits": row.visits,
            "amount": row.amount,
            "first": row.first_visited_at,
            "last": row.last_visited_at,
            "first_month": row.first_visit_month,
        }
        for row in GuestMonthActivity.objects.filter(guest_id__in=guest_ids)
    }


# --- the same metrics counted straight from guests_visit (the queries the page ran before the roll-up) ---------------


def _raw(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _restaurants(period: Period) -> tuple[str, list[Any]]:
    if period.restaurant_ids is None:
        return "", []
    return " AND restaurant_id = ANY(%s)", [sorted(period.restaurant_ids)]


def _raw_habits(period: Period) -> tuple:
    start, end = period.bounds
    where, params = _restaurants(period)
    return _raw(
        "SELECT count(*), count(*) FILTER (WHERE n >= 2), coalesce(sum(n), 0) FROM ("  # noqa: S608
        f"SELECT guest_id, count(*) AS n FROM guests_visit WHERE visited_at >= %s AND visited_at < %s{where} "
        "GROUP BY guest_id) per_guest",
        [start, end, *params],
    )[0]


def _raw_segments(period: Period) -> dict:
    start, end = period.bounds
    where, params = _restaurants(period)
    rows = _raw(
        "WITH g AS (SELECT guest_id, max(visited_at) AS last_at, count(*) AS n, sum(check_amount) AS spend "  # noqa: S608
        f"  FROM guests_visit WHERE visited_at >= %s AND visited_at < %s{where} GROUP BY guest_id), "
        "s AS (SELECT *, extract(epoch FROM %s - last_at) / 86400 AS idle_days, avg(spend) OVER () AS avg_spend "
        "  FROM g) "
        "SELECT CASE WHEN idle_days <= 30 AND n >= 5 AND spend >= avg_spend THEN 'champions' "
        "  WHEN idle_days <= 90 AND n >= 2 THEN 'loyal' WHEN idle_days <= 30 THEN 'new' "
        "  WHEN idle_days <= 90 THEN 'promising' WHEN n >= 2 THEN 'at_risk' ELSE 'lost' END, "
        "count(*), sum(n), sum(spend) FROM s GROUP BY 1",
        [start, end, *params, end],
    )
    return {segment: (count, visits, spend) for segment, count, visits, spend in rows}


def _raw_top(period: Period) -> list[tuple]:
    start, end = period.bounds
    where, params = _restaurants(period)
    return _raw(
        "SELECT guest_id, count(*), sum(check_amount) FROM guests_visit "  # noqa: S608
        f"WHERE visited_at >= %s AND visited_at < %s{where} GROUP BY guest_id ORDER BY 3 DESC, 1 LIMIT 10",
        [start, end, *params],
    )


def _raw_cohorts(period: Period) -> list[tuple]:
    _start, end = period.bounds
    where, params = _restaurants(period)
    rows = _raw(
        "WITH months AS ("  # noqa: S608
        "  SELECT guest_id, date_trunc('month', visited_at AT TIME ZONE %s)::date AS month "
        f"  FROM guests_visit WHERE visited_at < %s{where} GROUP BY 1, 2), "
        "cohorts AS (SELECT guest_id, min(month) AS cohort FROM months GROUP BY guest_id HAVING min(month) >= %s) "
        "SELECT cohort, month, count(*) FROM months JOIN cohorts USING (guest_id) GROUP BY 1, 2",
        [period.zone.key, end, *params, period.start.replace(day=1)],
    )
    counts: dict[dt.date, dict[dt.date, int]] = defaultdict(dict)
    for cohort, month, count in rows:
        counts[cohort][month] = count
    table = []
    for cohort in sorted(counts):
        returned, month = [], cohort
        while month <= period.end.replace(day=1):
            returned.append(counts[cohort].get(month, 0))
            month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        table.append((cohort, counts[cohort][cohort], returned))
    return table


def _raw_active(period: Period, days: int) -> int:
    _start, end = period.bounds
    where, params = _restaurants(period)
    return _raw(
        f"SELECT count(DISTINCT guest_id) FROM guests_visit WHERE visited_at >= %s AND visited_at < %s{where}",  # noqa: S608
        [end - dt.timedelta(days=days), end, *params],
    )[0][0]


def _random_period(rng: random.Random, zone: ZoneInfo, restaurant_ids: frozenset[int] | None) -> Period:
    start = FIRST_DAY + dt.timedelta(days=rng.randrange(SPAN))
    if rng.random() < 0.3:
        start = start.replace(day=1)
    end = start + dt.timedelta(days=rng.choice([0, 3, 20, 45, 70, 120]))
    if rng.random() < 0.3:
        end = (end.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return Period(start=start, end=end, restaurant_ids=restaurant_ids, zone=zone)


def _assert_metrics_equal_raw(rng: random.Random, alpha, zone: ZoneInfo) -> None:
    r0, r1 = (restaurant.id for restaurant in alpha.restaurants)
    for restaurant_ids in [None, frozenset({r0}), frozenset({r0, r1}), frozenset()]:
        for _ in range(6):
            period = _random_period(rng, zone, restaurant_ids)
            figures = metrics.guest_figures(period)
            guests, repeaters, visits = _raw_habits(period)
            assert figures["habits"]["visiting_guests"] == guests, period
            assert figures["habits"]["repeat_guests"] == repeaters, period
            assert figures["habits"]["visits_per_guest"] == (
                (visits / guests).quantize(Decimal("0.01")) if guests else None
            )
            segments = {
                row["segment"]: (row["guests"], row["visits"], row["spend_amount"])
                for row in figures["rfm"]
                if row["guests"]
            }
            assert segments == _raw_segments(period), period
            top = [(row["guest_id"], row["visits"], row["spend_amount"]) for row in figures["top_guests"]]
            assert top == _raw_top(period), period
            cohorts = [
                (row["cohort"], row["size"], [cell["guests"] for cell in row["months"]])
                for row in metrics.retention_cohorts(period)
            ]
            assert cohorts == _raw_cohorts(period), period
            assert metrics.active_guest_counts(period, (30, 90)) == {
                30: _raw_active(period, 30),
                90: _raw_active(period, 90),
            }, period


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_guest_months_equal_the_raw_visits_after_random_inserts_and_deletions(alpha, seed) -> None:
    rng = random.Random(seed)
    zone = ZoneInfo(alpha.chain.time_zone)
    rebuild_guest_months(zone)  # start from the chain's whole history rolled up
    refresh_dirty_days()
    guests: list = []
    _insert_random(rng, alpha, zone, guests, count=70)

    refresh_dirty_days()
    guest_ids = [guest.id for guest in guests]
    assert _rolled_up_rows(guest_ids) == _expected_rows(guest_ids, zone)
    _assert_metrics_equal_raw(rng, alpha, zone)

    for visit in rng.sample(list(Visit.objects.filter(guest_id__in=guest_ids)), 15):
        delete_visit(visit)  # months already rolled up lose visits, some guests lose a whole month
    _insert_random(rng, alpha, zone, guests, count=30)  # and gain others
    refresh_dirty_days()
    guest_ids = [guest.id for guest in guests]
    assert _rolled_up_rows(guest_ids) == _expected_rows(guest_ids, zone)
    _assert_metrics_equal_raw(rng, alpha, zone)


def test_a_full_rebuild_equals_the_incremental_roll_up(alpha) -> None:
    rng = random.Random(7)
    zone = ZoneInfo(alpha.chain.time_zone)
    guests: list = []
    _insert_random(rng, alpha, zone, guests, count=50)
    refresh_dirty_days()
    guest_ids = [guest.id for guest in guests]
    incremental = _rolled_up_rows(guest_ids)

    rebuild_guest_months(zone)

    assert _rolled_up_rows(guest_ids) == incremental == _expected_rows(guest_ids, zone)


def test_scheduled_rollup_counts_bulk_inserted_visits_of_today_in_the_guest_months(alpha) -> None:
    restaurant = alpha.restaurants[1]
    guest = add_guest(created_at=timezone.now(), home=restaurant)
    roll_up_daily_stats.apply()
    Visit.objects.bulk_create(  # no signal fires
        [
            Visit(guest=guest, restaurant=restaurant, visited_at=timezone.now(), check_amount=Decimal(123))
            for _ in range(3)
        ]
    )

    roll_up_daily_stats.apply()

    today = timezone.now().astimezone(chain_time_zone()).date()
    period = Period(start=today, end=today, restaurant_ids=frozenset({restaurant.id}), zone=chain_time_zone())
    top = metrics.top_guests(period)
    assert [(row["guest_id"], row["visits"], row["spend_amount"]) for row in top if row["guest_id"] == guest.id] == [
        (guest.id, 3, Decimal("369.00"))
    ]
    assert GuestMonthActivity.objects.get(guest=guest, restaurant=restaurant, month=today.replace(day=1)).visits == 3
