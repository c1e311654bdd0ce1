"""Expiry: points expire after the program's days, oldest first (FIFO). The warning before is an automation's
(automations/tests/test_points_expiring_automation.py)."""

import datetime

from loyalty.models import EntryKind, LedgerEntry
from loyalty.selectors import chain_today, program_context
from loyalty.services import accrue_points, expire_points, redeem_points
from loyalty.services.ledger import expiry_for
from loyalty.tests.ledger_checks import assert_balance_matches_ledger, balance_of


def _accrue_on(guest, points, key, days_ago):
    entry = accrue_points(guest=guest, points=points, kind=EntryKind.ACCRUAL, idempotency_key=key)
    moved = entry.created_at - datetime.timedelta(days=days_ago)
    LedgerEntry.objects.filter(pk=entry.pk).update(
        created_at=moved, available_at=moved, expires_at=expiry_for(moved, program_context())
    )
    return entry


def test_points_expire_after_their_last_day(guest, program):
    program(expiry_days=30)
    accrue_points(guest=guest, points=100, kind=EntryKind.ACCRUAL, idempotency_key="a")
    today = chain_today()
    assert expire_points(today=today + datetime.timedelta(days=30)) == 0
    assert balance_of(guest) == (100, 0)
    assert expire_points(today=today + datetime.timedelta(days=31)) == 1
    assert balance_of(guest) == (0, 0)
    expiry = LedgerEntry.objects.get(guest=guest, kind=EntryKind.EXPIRY)
    assert expiry.points == -100
    assert_balance_matches_ledger(guest)


def test_spending_uses_oldest_points_first_so_newer_survive_expiry(guest, program):
    program(expiry_days=30)
    _accrue_on(guest, 100, "old", days_ago=20)
    _accrue_on(guest, 100, "new", days_ago=0)
    redeem_points(guest=guest, points=150, idempotency_key="spend")
    # The old lot (100) was used up first and 50 came from the new lot: nothing of the old lot is left to expire.
    assert expire_points(today=chain_today() + datetime.timedelta(days=15)) == 0
    assert balance_of(guest) == (50, 0)
    expire_points(today=chain_today() + datetime.timedelta(days=31))
    assert balance_of(guest) == (0, 0)
    assert LedgerEntry.objects.get(guest=guest, kind=EntryKind.EXPIRY).points == -50
    assert_balance_matches_ledger(guest)


def test_only_the_expired_lot_goes(guest, program):
    program(expiry_days=30)
    _accrue_on(guest, 70, "old", days_ago=40)
    _accrue_on(guest, 30, "new", days_ago=1)
    assert expire_points(today=chain_today()) == 1
    assert balance_of(guest) == (30, 0)
    assert expire_points(today=chain_today()) == 0  # a second run the same day changes nothing
    assert_balance_matches_ledger(guest)


def test_zero_expiry_days_means_points_never_expire(guest, program):
    program(expiry_days=0)
    accrue_points(guest=guest, points=100, kind=EntryKind.ACCRUAL, idempotency_key="a")
    assert expire_points(today=chain_today() + datetime.timedelta(days=5000)) == 0
    assert balance_of(guest) == (100, 0)
