"""A check applied to a guest: spend what the rules allow, earn, record the visit; a retry changes nothing."""

import datetime
from decimal import Decimal

from django.utils import translation

from guests.models import Guest, Visit
from loyalty.models import EntryKind, LedgerEntry
from loyalty.rules import Check, CheckLine
from loyalty.services import accrue_points, apply_check, create_promo, create_promo_code, reverse_check
from loyalty.tests.factories import GuestFactory
from loyalty.tests.ledger_checks import assert_balance_matches_ledger, balance_of


def test_check_earns_spends_and_records_visit(guest, alpha):
    accrue_points(guest=guest, points=300, kind=EntryKind.WELCOME, idempotency_key="w")
    at = datetime.datetime(2025, 3, 10, 12, 0, tzinfo=datetime.UTC)
    outcome = apply_check(
        guest=guest,
        check=Check(total_amount=Decimal(1000), points_to_spend=200, at=at),
        restaurant=alpha.restaurants[0],
        idempotency_key="pos:1",
        receipt_id=77,
    )
    assert (outcome.earned, outcome.spent, outcome.refused_reason) == (40, 200, "")
    assert balance_of(guest) == (140, 0)
    visit = Visit.objects.get(guest=guest)
    assert (visit.check_amount, visit.points_earned, visit.points_spent, visit.receipt_id) == (
        Decimal(1000),
        40,
        200,
        77,
    )
    guest.refresh_from_db()
    assert guest.first_visit_at == at
    assert guest.last_visit_at == at
    assert_balance_matches_ledger(guest)


def test_less_spent_than_requested_says_why(guest, alpha):
    accrue_points(guest=guest, points=900, kind=EntryKind.WELCOME, idempotency_key="w")
    outcome = apply_check(
        guest=guest,
        check=Check(total_amount=Decimal(1000), points_to_spend=800),
        restaurant=alpha.restaurants[0],
        idempotency_key="pos:1",
    )
    assert outcome.spent == 500
    assert "50%" in outcome.refused_reason


def test_same_check_twice_changes_nothing(guest, alpha):
    check = Check(total_amount=Decimal(1000))
    first = apply_check(guest=guest, check=check, restaurant=alpha.restaurants[0], idempotency_key="pos:1")
    again = apply_check(guest=guest, check=check, restaurant=alpha.restaurants[0], idempotency_key="pos:1")
    assert again.is_replay
    assert [entry.pk for entry in again.entries] == [entry.pk for entry in first.entries]
    assert Visit.objects.filter(guest=guest).count() == 1
    assert balance_of(guest) == (50, 0)


def test_excluded_category_and_promo_bonus_become_separate_entries(guest, alpha, program):
    program(excluded_categories=["alcohol"])
    create_promo(actor=None, name="Desserts x3", multiplier=Decimal(3), categories=["desserts"])
    check = Check(
        total_amount=Decimal(1500),
        lines=(
            CheckLine("1", "Steak", "food", Decimal(1), Decimal(800)),
            CheckLine("2", "Wine", "alcohol", Decimal(1), Decimal(500)),
            CheckLine("3", "Cake", "desserts", Decimal(1), Decimal(200)),
        ),
    )
    outcome = apply_check(guest=guest, check=check, restaurant=alpha.restaurants[0], idempotency_key="pos:1")
    kinds = sorted((entry.kind, entry.points) for entry in outcome.entries)
    assert kinds == [(EntryKind.ACCRUAL, 50), (EntryKind.PROMO_BONUS, 20)]
    assert outcome.earned == 70


def test_promo_code_limit_per_guest(alpha):
    promo = create_promo(actor=None, name="Spring", bonus_points=100, combination="stackable")
    create_promo_code(promo=promo, code="spring25", actor=None, max_uses=2, max_uses_per_guest=1)
    first_guest, second_guest, third_guest = GuestFactory(), GuestFactory(), GuestFactory()
    restaurant = alpha.restaurants[0]

    def pay(guest, key):
        check = Check(total_amount=Decimal(1000), promo_code="SPRING25")
        return apply_check(guest=guest, check=check, restaurant=restaurant, idempotency_key=key)

    assert pay(first_guest, "1").earned == 150
    with translation.override("en"):
        again = pay(first_guest, "2")
    assert again.earned == 50
    assert again.refused_reason == "The promo code is unknown, inactive or used up."
    assert pay(second_guest, "3").earned == 150
    assert pay(third_guest, "4").earned == 50  # the code's two uses are gone


def test_refund_reverses_the_whole_check(guest, alpha):
    accrue_points(guest=guest, points=300, kind=EntryKind.WELCOME, idempotency_key="w")
    apply_check(
        guest=guest,
        check=Check(total_amount=Decimal(1000), points_to_spend=200),
        restaurant=alpha.restaurants[0],
        idempotency_key="pos:1",
        receipt_id=501,
    )
    reversals = reverse_check(receipt_id=501)
    assert sorted(entry.points for entry in reversals) == [-40, 200]
    assert balance_of(guest) == (300, 0)
    assert reverse_check(receipt_id=501) == reversals  # a second refund changes nothing
    assert balance_of(guest) == (300, 0)
    assert LedgerEntry.objects.filter(guest=guest, kind=EntryKind.REVERSAL).count() == 2
    assert Guest.objects.get(pk=guest.pk).points_account.lifetime_spend_amount == 0
    assert_balance_matches_ledger(guest)
