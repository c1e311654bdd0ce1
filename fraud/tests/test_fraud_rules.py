"""fraud.rules alone: thresholds in, findings with their evidence out; the same facts give the same windows."""

from __future__ import annotations

import datetime
from decimal import Decimal

from fraud import rules

START = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC)
MOSCOW, PETERSBURG = (55.7558, 37.6173), (59.9343, 30.3351)


def _check(number: int, minutes: float, *, restaurant: int = 1, amount: str = "500.00", till: str = "pos:T-1"):
    return rules.CheckFact(
        check_id=number,
        at=START + datetime.timedelta(minutes=minutes),
        restaurant_id=restaurant,
        till=till,
        amount=Decimal(amount),
        entry_ids=(number * 10,),
    )


def test_moscow_to_saint_petersburg_is_about_634_km():
    assert 630 < rules.haversine_km(MOSCOW, PETERSBURG) < 640


def test_a_window_is_named_by_its_first_check_whatever_came_after():
    five = [_check(n, 10 * n) for n in range(1, 6)]
    six = [*five, _check(6, 55)]
    [first] = rules.too_many_checks(five, max_per_hour=4)
    [again] = rules.too_many_checks(six, max_per_hour=4)
    assert first.window == again.window == "from-check-1"
    assert again.evidence["count"] == 6
    assert again.entry_ids == (10, 20, 30, 40, 50, 60)


def test_checks_spread_over_more_than_an_hour_are_not_velocity():
    assert rules.too_many_checks([_check(n, 20 * n) for n in range(5)], max_per_hour=4) == []


def test_a_restaurant_without_coordinates_is_skipped():
    checks = [_check(1, 0, restaurant=1), _check(2, 10, restaurant=2)]
    assert rules.too_far_apart(checks, places={1: MOSCOW}, max_speed_kmh=120) == []


def test_two_checks_at_the_same_moment_far_apart_are_impossible():
    checks = [_check(1, 0, restaurant=1), _check(2, 0, restaurant=2)]
    [finding] = rules.too_far_apart(checks, places={1: MOSCOW, 2: PETERSBURG}, max_speed_kmh=120)
    assert finding.evidence["speed_kmh"] is None  # no time at all between them


def test_the_same_amount_at_different_tills_is_not_repeated():
    checks = [_check(1, 0, till="pos:T-1"), _check(2, 60, till="pos:T-2"), _check(3, 120, till="staff:7")]
    assert rules.repeated_amounts(checks, repeats=3, window_hours=24) == []


def test_a_refund_without_shortfall_is_fine():
    refund = rules.RefundFact(entry_id=5, reverses_id=4, at=START, restaurant_id=1, shortfall_points=0)
    assert rules.refunds_after_redemption([refund]) == []


def test_a_cashier_is_compared_with_the_other_staff_of_the_restaurant():
    stats = [
        rules.StaffStats(staff_id=1, restaurant_id=1, checks=40, undos=10),
        rules.StaffStats(staff_id=2, restaurant_id=1, checks=40, undos=1),
        rules.StaffStats(staff_id=3, restaurant_id=2, checks=40, undos=10),  # alone at restaurant 2: no baseline
    ]
    [finding] = rules.cashier_outliers(stats, factor=Decimal(3), min_checks=20, week="2026-W50")
    assert finding.evidence["staff_id"] == 1
    assert finding.evidence["metric"] == "undos"
    assert finding.evidence["restaurant_share"] == 0.025


def test_idle_registrations_from_the_threshold_on():
    stats = [
        rules.RegistrationStats(staff_id=1, restaurant_id=1, registered=12, guest_ids_without_visit=tuple(range(10))),
        rules.RegistrationStats(staff_id=2, restaurant_id=1, registered=12, guest_ids_without_visit=tuple(range(9))),
    ]
    [finding] = rules.idle_registrations(stats, threshold=10, week="2026-W50")
    assert finding.evidence["staff_id"] == 1


def test_a_till_is_compared_with_the_other_tills_of_its_restaurant():
    stats = [
        rules.TillStats(restaurant_id=1, till="T-1", checks=40, with_guest=30),
        rules.TillStats(restaurant_id=1, till="T-2", checks=40, with_guest=4),
        rules.TillStats(restaurant_id=2, till="T-9", checks=40, with_guest=40),  # alone at restaurant 2: no baseline
    ]
    [finding] = rules.till_guest_share_outliers(stats, factor=Decimal(3), min_checks=20, week="2026-W50")
    assert finding.evidence["till"] == "T-1"
    assert finding.evidence["restaurant_share"] == 0.1
    assert finding.window == "till-1-T-1-guest_attached-2026-W50"
