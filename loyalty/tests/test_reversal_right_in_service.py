"""The undo rule (loyalty.rights.require_reversal_right) is held by the reversal service itself when a staff
member's access is given (the API's reversal door passes it): no door has to remember to check it."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.access import resolve_access
from loyalty.errors import UndoWindowPassed
from loyalty.models import EntryKind, LedgerEntry
from loyalty.rules import Check
from loyalty.services import accrue_points, apply_check, reverse_entry


def _access(world, role):
    return resolve_access(world.user(role), world.chain.id)


@pytest.fixture
def managers_grant(alpha, guest):
    return accrue_points(
        guest=guest,
        points=100,
        kind=EntryKind.WELCOME,
        idempotency_key="grant",
        restaurant=alpha.restaurants[0],
        actor=alpha.user("manager"),
    )


@pytest.fixture
def cashiers_check_entry(alpha, guest):
    outcome = apply_check(
        guest=guest,
        check=Check(total_amount=Decimal(1000)),
        restaurant=alpha.restaurants[0],
        idempotency_key="till-check",
        actor=alpha.user("cashier"),
    )
    return outcome.entries[0]


def _reverse(world, role, entry, key):
    return reverse_entry(entry=entry, actor=world.user(role), idempotency_key=key, access=_access(world, role))


def test_a_cashier_may_not_reverse_someone_elses_operation(alpha, managers_grant):
    with pytest.raises(UndoWindowPassed):
        _reverse(alpha, "cashier", managers_grant, "undo-1")
    assert not LedgerEntry.objects.filter(reverses=managers_grant).exists()
    assert _reverse(alpha, "owner", managers_grant, "undo-2").points == -100


def test_a_cashier_undoes_their_own_operation_only_within_the_window(alpha, cashiers_check_entry):
    LedgerEntry.objects.filter(pk=cashiers_check_entry.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    cashiers_check_entry.refresh_from_db()
    with pytest.raises(UndoWindowPassed):
        _reverse(alpha, "cashier", cashiers_check_entry, "late")
    assert not LedgerEntry.objects.filter(reverses=cashiers_check_entry).exists()


def test_a_retry_of_a_reversal_made_answers_as_the_first_call(alpha, cashiers_check_entry):
    first = _reverse(alpha, "cashier", cashiers_check_entry, "undo")
    LedgerEntry.objects.filter(pk=cashiers_check_entry.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    cashiers_check_entry.refresh_from_db()
    again = _reverse(alpha, "cashier", cashiers_check_entry, "undo")
    assert (again.pk, again.is_replay) == (first.pk, True)


def test_without_access_the_caller_has_decided(alpha, managers_grant):
    reversal = reverse_entry(entry=managers_grant, actor=None, idempotency_key="pos-refund")
    assert reversal.points == -100
