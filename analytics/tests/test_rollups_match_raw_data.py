"""Roll-ups equal a direct computation over the raw rows, after random inserts spread over days, restaurants and
day boundaries of the chain's time zone, and after changes to days already rolled up."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from analytics.models import DailyRestaurantStats
from analytics.rollups import recompute_days, refresh_dirty_days
from analytics.tests.dataset import add_anonymous_check, add_entry, add_guest, add_visit
from loyalty.models import EARNING_KINDS, EntryKind

FIRST_DAY = dt.date(2025, 3, 1)
DAYS = 6
KINDS = [EntryKind.ACCRUAL, EntryKind.WELCOME, EntryKind.REDEMPTION, EntryKind.EXPIRY, EntryKind.ADJUSTMENT]


def _random_moment(rng: random.Random, zone: ZoneInfo) -> dt.datetime:
    day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
    minute = rng.choice([0, 1, 30, 12 * 60, 23 * 60 + 59, rng.randrange(24 * 60)])  # edges of the local day
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone) + dt.timedelta(minutes=minute)


def _insert_random(rng: random.Random, alpha, zone: ZoneInfo, expected: dict, count: int) -> None:
    restaurants = [*alpha.restaurants, None]
    guests = [add_guest(created_at=_random_moment(rng, zone), home=rng.choice(restaurants)) for _ in range(4)]
    for guest in guests:
        expected[guest.created_at.astimezone(zone).date(), guest.home_restaurant_id]["new_guests"] += 1
    for _ in range(count):
        at = _random_moment(rng, zone)
        restaurant = rng.choice(restaurants)
        key = (at.astimezone(zone).date(), restaurant.id if restaurant else None)
        what = rng.choice(["visit", "entry", "entry", "check"])
        if what == "visit":
            amount = Decimal(rng.randrange(100, 500_000)) / 100
            add_visit(rng.choice(guests), restaurant, at, str(amount))
            expected[key]["visits"] += 1
            expected[key]["loyalty_revenue_amount"] += amount
        elif what == "entry":
            kind = rng.choice(KINDS)
            points = rng.randrange(1, 900) * (-1 if kind in (EntryKind.REDEMPTION, EntryKind.EXPIRY) else 1)
            add_entry(rng.choice(guests), kind, points, at, restaurant)
            expected[key]["points_net"] += points
            if kind in EARNING_KINDS:
                expected[key]["points_issued"] += points
            elif kind == EntryKind.REDEMPTION:
                expected[key]["points_redeemed"] -= points
            elif kind == EntryKind.EXPIRY:
                expected[key]["points_expired"] -= points
        elif restaurant is not None:
            amount = Decimal(rng.randrange(100, 300_000)) / 100
            add_anonymous_check(restaurant, at, str(amount))
            expected[key]["other_checks"] += 1
            expected[key]["other_revenue_amount"] += amount


FIELDS = [
    "new_guests",
    "visits",
    "loyalty_revenue_amount",
    "other_checks",
    "other_revenue_amount",
    "points_issued",
    "points_redeemed",
    "points_expired",
    "points_net",
]


def _rolled_up() -> dict:
    rows = DailyRestaurantStats.objects.filter(
        day__gte=FIRST_DAY, day__lt=FIRST_DAY + dt.timedelta(days=DAYS + 1)
    ).values("day", "restaurant_id", *FIELDS)
    return {
        (row["day"], row["restaurant_id"]): {name: row[name] for name in FIELDS if row[name]}
        for row in rows
        if any(row[name] for name in FIELDS)
    }


def _clean(expected: dict) -> dict:
    return {
        key: {name: value for name, value in values.items() if value}
        for key, values in expected.items()
        if any(values.values())
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_equal_the_raw_rows_after_random_inserts(alpha, seed) -> None:
    rng = random.Random(seed)
    zone = ZoneInfo(alpha.chain.time_zone)
    expected: dict = defaultdict(Counter)
    recompute_days(
        FIRST_DAY - dt.timedelta(days=1), FIRST_DAY + dt.timedelta(days=DAYS), zone
    )  # start from a clean state
    _insert_random(rng, alpha, zone, expected, count=60)

    refresh_dirty_days()
    assert _rolled_up() == _clean(expected)

    _insert_random(rng, alpha, zone, expected, count=25)  # days already rolled up change again
    refresh_dirty_days()
    assert _rolled_up() == _clean(expected)


def test_refresh_touches_nothing_when_no_day_changed(alpha, django_assert_num_queries) -> None:
    refresh_dirty_days()
    with django_assert_num_queries(0):
        assert refresh_dirty_days() == 0
