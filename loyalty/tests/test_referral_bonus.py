"""The referral bonus: recorded at sign-up, paid on the invited guest's first qualifying purchase (the single check
and the POS batch alike), once, at most referral_max_per_guest times per referrer, taken back with a refund."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guests.services import block_guest
from loyalty.models import EntryKind, LedgerEntry, Referral
from loyalty.rules import Check
from loyalty.services import CheckToApply, apply_check, apply_checks, record_referral, reverse_check
from loyalty.tests.factories import GuestFactory
from loyalty.tests.ledger_checks import assert_balance_matches_ledger, balance_of
from maxloyalty.errors import ValidationFailed


@pytest.fixture
def referral_program(program):
    program(referral_bonus_points=300, referred_bonus_points=100, referral_min_check_amount=Decimal(500))


def _buy(guest, amount, key):
    return apply_check(guest=guest, check=Check(total_amount=Decimal(amount)), restaurant=None, idempotency_key=key)


def _referral_points(guest):
    return sorted(LedgerEntry.objects.filter(guest=guest, kind=EntryKind.REFERRAL).values_list("points", flat=True))


def test_nothing_is_paid_at_sign_up_both_sides_on_the_first_qualifying_purchase(alpha, referral_program):
    referrer, newcomer = GuestFactory(), GuestFactory()
    record_referral(guest=newcomer, referrer=referrer)
    assert (_referral_points(referrer), _referral_points(newcomer)) == ([], [])

    _buy(newcomer, 499, "small")  # below the program's minimum: not a qualifying purchase
    assert _referral_points(referrer) == []

    outcome = _buy(newcomer, 1000, "first")
    assert (_referral_points(referrer), _referral_points(newcomer)) == ([300], [100])
    assert all(entry.kind != EntryKind.REFERRAL for entry in outcome.entries)  # the check's own entries only
    assert balance_of(referrer) == (300, 0)
    assert balance_of(newcomer) == (100 + 24 + 50, 0)  # 5 % of 499 rounded down, of 1000, the bonus
    for guest in (referrer, newcomer):
        assert_balance_matches_ledger(guest)

    _buy(newcomer, 1000, "second")
    assert (_referral_points(referrer), _referral_points(newcomer)) == ([300], [100])


def test_a_retried_check_pays_once(alpha, referral_program):
    referrer, newcomer = GuestFactory(), GuestFactory()
    record_referral(guest=newcomer, referrer=referrer)
    _buy(newcomer, 800, "pos-1")
    assert _buy(newcomer, 800, "pos-1").is_replay
    [replay] = apply_checks(
        [CheckToApply(guest=newcomer, check=Check(total_amount=Decimal(800)), restaurant=None, idempotency_key="pos-1")]
    )
    assert replay.is_replay
    assert (_referral_points(referrer), _referral_points(newcomer)) == ([300], [100])


def test_the_batch_pays_once_even_with_two_purchases_and_the_referrers_own_check(alpha, referral_program):
    referrer, newcomer = GuestFactory(), GuestFactory()
    record_referral(guest=newcomer, referrer=referrer)
    results = apply_checks(
        [
            CheckToApply(guest=referrer, check=Check(total_amount=Decimal(200)), restaurant=None, idempotency_key="b1"),
            CheckToApply(guest=newcomer, check=Check(total_amount=Decimal(600)), restaurant=None, idempotency_key="b2"),
            CheckToApply(guest=newcomer, check=Check(total_amount=Decimal(700)), restaurant=None, idempotency_key="b3"),
            CheckToApply(guest=referrer, check=Check(total_amount=Decimal(400)), restaurant=None, idempotency_key="b4"),
        ]
    )
    assert [result.earned for result in results] == [10, 30, 35, 20]
    assert (_referral_points(referrer), _referral_points(newcomer)) == ([300], [100])
    assert balance_of(referrer) == (10 + 300 + 20, 0)
    assert balance_of(newcomer) == (30 + 100 + 35, 0)
    for guest in (referrer, newcomer):
        assert_balance_matches_ledger(guest)
    assert Referral.objects.get(guest=newcomer).applied_check.idempotency_key == "b2"


def test_a_referrer_is_paid_for_at_most_the_programs_cap(alpha, referral_program, program):
    program(referral_max_per_guest=2)
    referrer = GuestFactory()
    newcomers = [GuestFactory() for _ in range(3)]
    for number, newcomer in enumerate(newcomers):
        record_referral(guest=newcomer, referrer=referrer)
        _buy(newcomer, 1000, f"first-{number}")
    assert _referral_points(referrer) == [300, 300]
    assert [_referral_points(newcomer) for newcomer in newcomers] == [[100], [100], []]
    assert Referral.objects.get(guest=newcomers[2]).is_over_cap


def test_a_refund_of_the_first_purchase_takes_the_bonuses_back_and_the_next_purchase_pays(alpha, referral_program):
    referrer, newcomer = GuestFactory(), GuestFactory()
    record_referral(guest=newcomer, referrer=referrer)
    _buy(newcomer, 1000, "first")
    reverse_check(idempotency_key="first")
    assert (balance_of(referrer), balance_of(newcomer)) == ((0, 0), (0, 0))
    reverse_check(idempotency_key="first")  # repeating the refund changes nothing
    assert LedgerEntry.objects.filter(guest=referrer, kind=EntryKind.REVERSAL).count() == 1

    _buy(newcomer, 600, "next")
    assert balance_of(referrer) == (300, 0)
    assert balance_of(newcomer) == (100 + 30, 0)
    for guest in (referrer, newcomer):
        assert_balance_matches_ledger(guest)


def test_a_guest_keeps_the_first_referrer_and_cannot_refer_themselves(alpha, referral_program):
    first, second, newcomer = GuestFactory(), GuestFactory(), GuestFactory()
    assert record_referral(guest=newcomer, referrer=first) is not None
    assert record_referral(guest=newcomer, referrer=second) is None
    with pytest.raises(ValidationFailed):
        record_referral(guest=newcomer, referrer=newcomer)
    _buy(newcomer, 1000, "first")
    assert (_referral_points(first), _referral_points(second)) == ([300], [])


def test_a_referrer_blocked_before_the_purchase_is_not_paid(alpha, referral_program):
    referrer, newcomer = GuestFactory(), GuestFactory()
    record_referral(guest=newcomer, referrer=referrer)
    referrer = block_guest(access=None, guest=referrer, reason="test")
    _buy(newcomer, 1000, "first")
    assert (_referral_points(referrer), _referral_points(newcomer)) == ([], [])
    assert Referral.objects.get(guest=newcomer).is_over_cap  # closed unpaid
    assert record_referral(guest=GuestFactory(), referrer=referrer) is None  # a blocked guest refers nobody


def test_the_pos_batch_costs_one_query_more_when_the_program_pays_referrals_and_none_otherwise(alpha, program):
    guests = [GuestFactory() for _ in range(5)]

    def statements_of_a_batch(prefix):
        checks = [
            CheckToApply(
                guest=guest,
                check=Check(total_amount=Decimal(100)),
                restaurant=None,
                idempotency_key=f"{prefix}{guest.pk}",
            )
            for guest in guests
        ]
        with CaptureQueriesContext(connection) as queries:
            apply_checks(checks)
        return len(queries)

    statements_of_a_batch("warm-")  # accounts created, program cached
    without_referrals = statements_of_a_batch("a-")
    program(referral_bonus_points=300)
    statements_of_a_batch("warm-again-")
    assert statements_of_a_batch("b-") == without_referrals + 1  # the batch's waiting referrals, one SELECT
