"""Reversals: a refund or an undo writes an opposite entry; points already spent leave a recorded shortfall."""

import datetime

import pytest

from loyalty.errors import AlreadyReversed, NotReversible
from loyalty.models import EntryKind
from loyalty.selectors import chain_today
from loyalty.services import accrue_points, expire_points, redeem_points, reverse_entry
from loyalty.tests.ledger_checks import assert_balance_matches_ledger, balance_of


def test_reversing_an_accrual_takes_the_points_back(guest):
    accrual = accrue_points(guest=guest, points=100, kind=EntryKind.ACCRUAL, idempotency_key="a")
    reversal = reverse_entry(entry=accrual, actor=None, idempotency_key="undo-a")
    assert reversal.points == -100
    assert reversal.reverses_id == accrual.pk
    assert not reversal.has_shortfall
    assert balance_of(guest) == (0, 0)
    assert_balance_matches_ledger(guest)


def test_reversing_a_redemption_gives_the_points_back(guest):
    accrue_points(guest=guest, points=100, kind=EntryKind.ACCRUAL, idempotency_key="a")
    redemption = redeem_points(guest=guest, points=80, idempotency_key="r")
    reverse_entry(entry=redemption, actor=None, idempotency_key="undo-r")
    assert balance_of(guest) == (100, 0)
    assert_balance_matches_ledger(guest)


def test_reversal_of_spent_points_records_shortfall_and_never_goes_negative(guest):
    accrual = accrue_points(guest=guest, points=100, kind=EntryKind.ACCRUAL, idempotency_key="a")
    redeem_points(guest=guest, points=70, idempotency_key="r")
    reversal = reverse_entry(entry=accrual, actor=None, idempotency_key="undo-a")
    assert reversal.points == -30
    assert reversal.shortfall_points == 70
    assert reversal.has_shortfall
    assert balance_of(guest) == (0, 0)
    assert_balance_matches_ledger(guest)


def test_reversal_takes_the_reversed_lot_first(guest):
    older = accrue_points(guest=guest, points=50, kind=EntryKind.ACCRUAL, idempotency_key="old")
    newer = accrue_points(guest=guest, points=50, kind=EntryKind.ACCRUAL, idempotency_key="new")
    reverse_entry(entry=newer, actor=None, idempotency_key="undo-new")
    older.refresh_from_db()
    assert older.remaining_points == 50
    assert_balance_matches_ledger(guest)


def test_second_reversal_of_same_entry_is_refused(guest):
    accrual = accrue_points(guest=guest, points=100, kind=EntryKind.ACCRUAL, idempotency_key="a")
    first = reverse_entry(entry=accrual, actor=None, idempotency_key="undo-1")
    assert reverse_entry(entry=accrual, actor=None, idempotency_key="undo-1").pk == first.pk
    with pytest.raises(AlreadyReversed):
        reverse_entry(entry=accrual, actor=None, idempotency_key="undo-2")
    assert balance_of(guest) == (0, 0)


def test_expiry_and_reversal_entries_cannot_be_reversed(guest, program):
    accrual = accrue_points(guest=guest, points=100, kind=EntryKind.ACCRUAL, idempotency_key="a")
    reversal = reverse_entry(entry=accrual, actor=None, idempotency_key="undo")
    with pytest.raises(NotReversible):
        reverse_entry(entry=reversal, actor=None, idempotency_key="undo-undo")


def test_reversing_an_expired_accrual_records_full_shortfall(guest, program):
    program(expiry_days=10)
    accrual = accrue_points(guest=guest, points=100, kind=EntryKind.ACCRUAL, idempotency_key="a")
    expire_points(today=chain_today() + datetime.timedelta(days=40))
    reversal = reverse_entry(entry=accrual, actor=None, idempotency_key="undo")
    assert (reversal.points, reversal.shortfall_points) == (0, 100)
    assert balance_of(guest) == (0, 0)
    assert_balance_matches_ledger(guest)
