"""The nightly staff rules: a cashier whose undos per check are far above their restaurant's other staff, and a
cashier who registered many guests that never came back, are flagged once per week; ordinary staff are not."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from fraud.models import FraudFlag, FraudRule
from fraud.services import check_staff
from fraud.tasks import fraud_night
from guests.services import create_guest
from loyalty import rules
from loyalty.services import apply_check
from pos.till import undo_at_till


def _till_checks(world, role: str, guest, count: int) -> list[int]:
    restaurant = world.restaurants[0]
    return [
        apply_check(
            guest=guest,
            check=rules.Check(total_amount=Decimal("700.00"), restaurant_id=restaurant.pk),
            restaurant=restaurant,
            idempotency_key=f"{role}-check-{number}",
            actor=world.user(role),
        ).applied_check.pk
        for number in range(count)
    ]


def test_a_cashier_undoing_far_more_than_colleagues_is_flagged_once(alpha, guest, access_of):
    cashier_checks = _till_checks(alpha, "cashier", guest, 20)
    _till_checks(alpha, "manager", guest, 20)
    for applied_id in cashier_checks[:8]:
        undo_at_till(access=access_of("cashier"), restaurant=alpha.restaurants[0], applied_check_id=applied_id)
    now = timezone.now() + datetime.timedelta(minutes=1)

    flags = check_staff(now=now)
    assert check_staff(now=now) == []  # the same night again: nothing new

    [flag] = flags
    assert flag.rule == FraudRule.CASHIER_SHARE
    assert flag.staff == alpha.user("cashier")
    assert flag.restaurant == alpha.restaurants[0]
    assert flag.evidence["metric"] == "undos"
    assert flag.evidence["share"] > flag.evidence["restaurant_share"]


def test_staff_working_alike_are_not_flagged(alpha, guest):
    _till_checks(alpha, "cashier", guest, 20)
    _till_checks(alpha, "manager", guest, 20)
    assert check_staff(now=timezone.now() + datetime.timedelta(minutes=1)) == []


def _register(alpha, access, count: int) -> None:
    for number in range(count):
        create_guest(
            access=access,
            phone=f"+7955800{number:04d}",
            first_name=f"Walk-in {number}",
            home_restaurant_id=alpha.restaurants[0].pk,
        )


def test_many_registrations_without_a_later_visit_are_flagged(alpha, access_of, program):
    _register(alpha, access_of("cashier"), 10)
    [flag] = check_staff(now=timezone.now() + datetime.timedelta(days=8))
    assert flag.rule == FraudRule.REGISTRATIONS_WITHOUT_VISIT
    assert flag.staff == alpha.user("cashier")
    assert flag.evidence["without_visit"] == 10
    assert len(flag.evidence["guest_ids"]) == 10


def test_registrations_below_the_threshold_are_not_flagged(alpha, access_of, program):
    _register(alpha, access_of("cashier"), 9)
    assert check_staff(now=timezone.now() + datetime.timedelta(days=8)) == []


def test_the_night_task_runs_only_in_the_chains_night_hour_unless_forced(alpha, access_of, program):
    _register(alpha, access_of("cashier"), 10)
    assert fraud_night(force=True) == 0  # registered today: still within their grace week
    assert not FraudFlag.objects.exists()
