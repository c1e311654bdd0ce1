"""The nightly cashier-share rule, each of its measures built through the production write paths: a staff member's
manual bonuses, undos and redemptions right after an accrual per check, and a POS till's share of sales with a guest
attached, each far above the rest of the restaurant, are flagged; staff and tills working alike are not."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from fraud.models import FraudFlag, FraudRule
from fraud.services import check_staff
from loyalty import rules
from loyalty.models import EntryKind
from loyalty.services import accrue_points, apply_check, redeem_points
from pos.till import undo_at_till
from tests.checks import CheckSpec, register_guest, send_checks
from tests.fixtures import signed_in_client


def _tonight() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=1)


def _till_check(world, role: str, guest, number: int) -> int:
    restaurant = world.restaurants[0]
    return apply_check(
        guest=guest,
        check=rules.Check(total_amount=Decimal("700.00"), restaurant_id=restaurant.pk),
        restaurant=restaurant,
        idempotency_key=f"{role}-check-{number}",
        actor=world.user(role),
    ).applied_check.pk


def _shift(world, role: str, guest, *, checks: int = 20, then=None, times: int = 0) -> None:
    """`checks` checks at the till by `role`; after each of the first `times` of them, `then(number, check_id)`."""
    for number in range(checks):
        applied_id = _till_check(world, role, guest, number)
        if number < times and then is not None:
            then(number, applied_id)


def _cashier_share_flags() -> list[FraudFlag]:
    return list(FraudFlag.objects.filter(rule=FraudRule.CASHIER_SHARE).order_by("id"))


# --- manual bonuses ---------------------------------------------------------------------------------------------


def _bonus(world, role: str, guest):
    def give(number: int, _applied_id: int) -> None:
        accrue_points(
            guest=guest,
            points=10,
            kind=EntryKind.WELCOME,
            idempotency_key=f"{role}-bonus-{number}",
            restaurant=world.restaurants[0],
            actor=world.user(role),
            reason="Regular",
        )

    return give


def test_a_manager_giving_far_more_bonuses_by_hand_is_flagged(alpha, guest):
    _shift(alpha, "manager", guest, then=_bonus(alpha, "manager", guest), times=8)
    _shift(alpha, "cashier", guest)

    [flag] = check_staff(now=_tonight())

    assert flag.staff == alpha.user("manager")
    assert flag.evidence["metric"] == "manual_bonuses"
    assert flag.evidence["count"] == 8


def test_bonuses_given_as_often_as_colleagues_are_not_flagged(alpha, guest):
    _shift(alpha, "manager", guest, then=_bonus(alpha, "manager", guest), times=3)
    _shift(alpha, "admin", guest, then=_bonus(alpha, "admin", guest), times=3)

    assert check_staff(now=_tonight()) == []


# --- undos ----------------------------------------------------------------------------------------------------------


def _undo(world, access_of, role: str):
    def undo(_number: int, applied_id: int) -> None:
        undo_at_till(access=access_of(role), restaurant=world.restaurants[0], applied_check_id=applied_id)

    return undo


def test_undos_as_often_as_colleagues_are_not_flagged(alpha, guest, access_of):
    _shift(alpha, "cashier", guest, then=_undo(alpha, access_of, "cashier"), times=4)
    _shift(alpha, "manager", guest, then=_undo(alpha, access_of, "manager"), times=4)

    assert check_staff(now=_tonight()) == []


# --- redemptions right after an accrual ---------------------------------------------------------------------------


def _redeem(world, role: str, guest):
    def spend(number: int, _applied_id: int) -> None:
        redeem_points(
            guest=guest,
            points=10,
            idempotency_key=f"{role}-spend-{number}",
            restaurant=world.restaurants[0],
            actor=world.user(role),
        )

    return spend


def test_a_cashier_spending_points_right_after_accruing_them_is_flagged(alpha, guest):
    _shift(alpha, "cashier", guest, then=_redeem(alpha, "cashier", guest), times=8)
    _shift(alpha, "manager", guest)

    [flag] = check_staff(now=_tonight())

    assert flag.staff == alpha.user("cashier")
    assert flag.evidence["metric"] == "quick_redemptions"
    assert flag.evidence["count"] == 8
    assert flag.evidence["restaurant_share"] == 0


def test_redemptions_as_often_as_colleagues_are_not_flagged(alpha, guest):
    _shift(alpha, "cashier", guest, then=_redeem(alpha, "cashier", guest), times=4)
    _shift(alpha, "manager", guest, then=_redeem(alpha, "manager", guest), times=4)

    assert check_staff(now=_tonight()) == []


# --- checks with a guest attached, per POS till --------------------------------------------------------------------


def _till_sales(world, terminal: str, *, sales: int, with_guest: int) -> list[CheckSpec]:
    guest = register_guest(first_name=f"Regular of {terminal}", home_restaurant_id=world.restaurants[0].pk)
    start = timezone.now() - datetime.timedelta(days=3)
    return [
        CheckSpec(
            total_amount=f"{300 + number}.00",
            guest=guest if number < with_guest else None,
            closed_at=start + datetime.timedelta(hours=2 * number),
            terminal=terminal,
        )
        for number in range(sales)
    ]


def test_a_till_attaching_a_guest_to_far_more_sales_is_flagged(alpha, program):
    send_checks(
        alpha,
        [*_till_sales(alpha, "T-1", sales=20, with_guest=14), *_till_sales(alpha, "T-2", sales=20, with_guest=2)],
    )

    check_staff(now=_tonight())

    [flag] = _cashier_share_flags()

    assert flag.staff is None and flag.guest is None
    assert flag.restaurant == alpha.restaurants[0]
    assert flag.evidence["metric"] == "guest_attached"
    assert flag.evidence["till"] == "T-1"
    assert flag.evidence["share"] == 0.7
    assert flag.evidence["restaurant_share"] == 0.1
    assert check_staff(now=_tonight()) == []  # the same week again: nothing new


def test_tills_attaching_guests_alike_are_not_flagged(alpha, program):
    send_checks(
        alpha,
        [*_till_sales(alpha, "T-1", sales=20, with_guest=6), *_till_sales(alpha, "T-2", sales=20, with_guest=5)],
    )

    check_staff(now=_tonight())

    assert _cashier_share_flags() == []


def test_the_queue_names_the_flagged_till(alpha, program):
    send_checks(
        alpha,
        [*_till_sales(alpha, "T-1", sales=20, with_guest=14), *_till_sales(alpha, "T-2", sales=20, with_guest=2)],
    )
    check_staff(now=_tonight())
    [flag] = _cashier_share_flags()

    owner = signed_in_client(alpha, "owner")

    assert "Till T-1" in owner.get("/fraud/").content.decode()
    assert "T-1" in owner.get(f"/fraud/{flag.pk}/").content.decode()
