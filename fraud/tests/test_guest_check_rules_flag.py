"""Checks pushed by the POS raise the per-guest flags once their pattern shows: too many checks in an hour,
restaurants too far apart for the time between, the same amount at one till, a refund after the points were spent."""

from __future__ import annotations

import datetime

from django.utils import timezone

from fraud.models import FlagStatus, FraudFlag, FraudRule
from fraud.services import check_guests
from loyalty.services import redeem_points
from restaurants.services import update_restaurant
from tests.checks import CheckSpec, send_checks

from .conftest import checks_within_an_hour


def test_more_checks_in_an_hour_than_allowed_are_flagged_with_every_check(alpha, guest):
    send_checks(alpha, checks_within_an_hour(alpha, guest, 5))
    flag = FraudFlag.objects.get(rule=FraudRule.VELOCITY, guest=guest)
    assert flag.status == FlagStatus.OPEN
    assert flag.evidence["count"] == 5
    assert [check["amount"] for check in flag.evidence["checks"]] == [f"{500 + n}.00" for n in range(5)]
    assert len(flag.evidence["entry_ids"]) == 5  # the accruals, to reverse if the reviewer decides so


def test_checks_up_to_the_limit_raise_nothing(alpha, guest):
    send_checks(alpha, checks_within_an_hour(alpha, guest, 4))
    assert not FraudFlag.objects.exists()


def test_running_the_rules_again_adds_no_second_flag(alpha, guest):
    send_checks(alpha, checks_within_an_hour(alpha, guest, 6))
    assert check_guests(guest_ids=[guest.pk]) == []
    assert FraudFlag.objects.filter(rule=FraudRule.VELOCITY).count() == 1


def test_checks_in_moscow_and_saint_petersburg_half_an_hour_apart_are_flagged(alpha, guest):
    moscow, petersburg = alpha.restaurants
    owner = alpha.user("owner")
    update_restaurant(actor=owner, restaurant=moscow, changes={"latitude": 55.7558, "longitude": 37.6173})
    update_restaurant(actor=owner, restaurant=petersburg, changes={"latitude": 59.9343, "longitude": 30.3351})
    start = timezone.now() - datetime.timedelta(hours=1)
    send_checks(
        alpha,
        [
            CheckSpec(total_amount="800.00", guest=guest, restaurant=moscow, closed_at=start),
            CheckSpec(
                total_amount="900.00",
                guest=guest,
                restaurant=petersburg,
                closed_at=start + datetime.timedelta(minutes=30),
            ),
        ],
    )
    flag = FraudFlag.objects.get(rule=FraudRule.DISTANCE, guest=guest)
    assert 620 < flag.evidence["distance_km"] < 650
    assert flag.evidence["speed_kmh"] > 1200
    assert flag.restaurant == petersburg


def test_far_restaurants_a_day_apart_are_plausible(alpha, guest):
    moscow, petersburg = alpha.restaurants
    owner = alpha.user("owner")
    update_restaurant(actor=owner, restaurant=moscow, changes={"latitude": 55.7558, "longitude": 37.6173})
    update_restaurant(actor=owner, restaurant=petersburg, changes={"latitude": 59.9343, "longitude": 30.3351})
    start = timezone.now() - datetime.timedelta(days=2)
    send_checks(
        alpha,
        [
            CheckSpec(total_amount="800.00", guest=guest, restaurant=moscow, closed_at=start),
            CheckSpec(
                total_amount="900.00", guest=guest, restaurant=petersburg, closed_at=start + datetime.timedelta(days=1)
            ),
        ],
    )
    assert not FraudFlag.objects.filter(rule=FraudRule.DISTANCE).exists()


def test_the_same_amount_three_times_at_one_till_in_a_day_is_flagged(alpha, guest):
    start = timezone.now() - datetime.timedelta(hours=10)
    send_checks(
        alpha,
        [
            CheckSpec(total_amount="1500.00", guest=guest, closed_at=start + datetime.timedelta(hours=3 * n))
            for n in range(3)
        ],
    )
    flag = FraudFlag.objects.get(rule=FraudRule.SAME_AMOUNT, guest=guest)
    assert flag.evidence["amount"] == "1500.00"
    assert flag.evidence["count"] == 3


def test_the_same_amount_at_different_tills_or_under_the_threshold_is_not_flagged(alpha, guest):
    start = timezone.now() - datetime.timedelta(hours=10)
    send_checks(
        alpha,
        [
            CheckSpec(total_amount="1500.00", guest=guest, closed_at=start, terminal="T-1"),
            CheckSpec(
                total_amount="1500.00", guest=guest, closed_at=start + datetime.timedelta(hours=3), terminal="T-2"
            ),
            CheckSpec(
                total_amount="1500.00", guest=guest, closed_at=start + datetime.timedelta(hours=6), terminal="T-1"
            ),
        ],
    )
    assert not FraudFlag.objects.filter(rule=FraudRule.SAME_AMOUNT).exists()


def test_a_refund_after_the_earned_points_were_spent_is_flagged(alpha, guest):
    [sale] = send_checks(alpha, [CheckSpec(total_amount="1000.00", guest=guest, external_id="R-1")])
    assert sale.points_earned == 100
    redeem_points(guest=guest, points=100, idempotency_key="spend-all", restaurant=alpha.restaurants[0])
    send_checks(alpha, [CheckSpec(total_amount="1000.00", guest=guest, external_id="R-1", is_refund=True)])
    flag = FraudFlag.objects.get(rule=FraudRule.REFUND_AFTER_REDEMPTION, guest=guest)
    assert flag.evidence["shortfall_points"] == 100


def test_a_refund_with_the_points_still_there_is_not_flagged(alpha, guest):
    send_checks(alpha, [CheckSpec(total_amount="1000.00", guest=guest, external_id="R-2")])
    send_checks(alpha, [CheckSpec(total_amount="1000.00", guest=guest, external_id="R-2", is_refund=True)])
    assert not FraudFlag.objects.exists()


def test_rules_turned_off_by_the_owner_flag_nothing(alpha, guest, access_of):
    from fraud.services import update_fraud_settings

    update_fraud_settings(access=access_of("owner"), is_enabled=False)
    send_checks(alpha, checks_within_an_hour(alpha, guest, 6))
    assert not FraudFlag.objects.exists()
