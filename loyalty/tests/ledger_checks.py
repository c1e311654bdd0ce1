"""Assertions on a guest's account that every ledger test shares: the balance is the sum of the entries."""

from __future__ import annotations

from guests.models import Guest
from loyalty.models import LedgerEntry, PointsAccount
from loyalty.selectors import ledger_totals


def balance_of(guest: Guest) -> tuple[int, int]:
    """(available, pending) as stored on the account."""
    account = PointsAccount.objects.filter(guest=guest).first()
    return (account.available, account.pending) if account else (0, 0)


def assert_balance_matches_ledger(guest: Guest) -> None:
    available, pending = balance_of(guest)
    assert (available, pending) == ledger_totals(guest=guest)
    assert available >= 0
    assert pending >= 0
    open_lots = LedgerEntry.objects.filter(guest=guest, is_pending=False, remaining_points__gt=0)
    assert sum(open_lots.values_list("remaining_points", flat=True)) == available
