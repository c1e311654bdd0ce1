"""Pending points: accruals wait for the program's activation delay before they can be spent."""

import datetime

import pytest
from django.utils import timezone

from loyalty.errors import InsufficientPoints
from loyalty.models import EntryKind
from loyalty.services import accrue_points, activate_pending_points, redeem_points, reverse_entry
from loyalty.tests.ledger_checks import assert_balance_matches_ledger, balance_of


def test_accrual_is_pending_until_the_delay_passes(guest, program):
    program(activation_delay_hours=24)
    accrue_points(guest=guest, points=100, kind=EntryKind.ACCRUAL, idempotency_key="a")
    assert balance_of(guest) == (0, 100)
    with pytest.raises(InsufficientPoints):
        redeem_points(guest=guest, points=10, idempotency_key="r")

    assert activate_pending_points(now=timezone.now() + datetime.timedelta(hours=23)) == 0
    assert balance_of(guest) == (0, 100)
    assert activate_pending_points(now=timezone.now() + datetime.timedelta(hours=25)) == 1
    assert balance_of(guest) == (100, 0)
    assert redeem_points(guest=guest, points=10, idempotency_key="r2").points == -10
    assert_balance_matches_ledger(guest)


def test_bonuses_are_spendable_at_once_despite_the_delay(guest, program):
    program(activation_delay_hours=24)
    accrue_points(guest=guest, points=300, kind=EntryKind.WELCOME, idempotency_key="w")
    assert balance_of(guest) == (300, 0)


def test_zero_delay_means_spendable_at_once(guest, program):
    program(activation_delay_hours=0)
    accrue_points(guest=guest, points=100, kind=EntryKind.ACCRUAL, idempotency_key="a")
    assert balance_of(guest) == (100, 0)


def test_reversing_a_pending_accrual_cancels_it(guest, program):
    program(activation_delay_hours=24)
    accrual = accrue_points(guest=guest, points=100, kind=EntryKind.ACCRUAL, idempotency_key="a")
    reversal = reverse_entry(entry=accrual, actor=None, idempotency_key="undo")
    assert reversal.points == -100
    assert not reversal.has_shortfall
    assert balance_of(guest) == (0, 0)
    activate_pending_points(now=timezone.now() + datetime.timedelta(days=2))
    assert balance_of(guest) == (0, 0)
    assert_balance_matches_ledger(guest)
