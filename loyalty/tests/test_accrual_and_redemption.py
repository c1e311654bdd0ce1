"""Accrual and redemption through the services: balances, refusals with their figures, idempotent retries."""

import pytest

from audit.models import AuditEntry
from guests.services import block_guest
from loyalty.errors import GuestNotActive, IdempotencyKeyReused, InsufficientPoints, RedemptionLimitExceeded
from loyalty.models import EntryKind, LedgerEntry
from loyalty.services import accrue_points, redeem_points
from loyalty.tests.ledger_checks import assert_balance_matches_ledger, balance_of


def test_accrual_adds_to_available_balance(guest):
    entry = accrue_points(guest=guest, points=120, kind=EntryKind.ACCRUAL, idempotency_key="a-1")
    assert entry.points == 120
    assert balance_of(guest) == (120, 0)
    assert_balance_matches_ledger(guest)


def test_redemption_takes_points_and_is_in_the_ledger(guest):
    accrue_points(guest=guest, points=120, kind=EntryKind.ACCRUAL, idempotency_key="a-1")
    entry = redeem_points(guest=guest, points=70, idempotency_key="r-1")
    assert entry.points == -70
    assert entry.kind == EntryKind.REDEMPTION
    assert balance_of(guest) == (50, 0)
    assert_balance_matches_ledger(guest)


def test_redeeming_more_than_balance_is_refused_with_available_figure(guest):
    accrue_points(guest=guest, points=30, kind=EntryKind.ACCRUAL, idempotency_key="a-1")
    with pytest.raises(InsufficientPoints) as refusal:
        redeem_points(guest=guest, points=31, idempotency_key="r-1")
    assert refusal.value.status == 409
    assert refusal.value.details["available"] == 30
    assert balance_of(guest) == (30, 0)


def test_retry_with_same_key_returns_first_entry_and_changes_nothing(guest):
    first = accrue_points(guest=guest, points=50, kind=EntryKind.ACCRUAL, idempotency_key="same")
    again = accrue_points(guest=guest, points=50, kind=EntryKind.ACCRUAL, idempotency_key="same")
    assert again.pk == first.pk
    assert again.is_replay
    assert balance_of(guest) == (50, 0)
    assert LedgerEntry.objects.filter(guest=guest).count() == 1


def test_key_reused_for_a_different_operation_is_refused(guest):
    accrue_points(guest=guest, points=50, kind=EntryKind.ACCRUAL, idempotency_key="same")
    with pytest.raises(IdempotencyKeyReused):
        redeem_points(guest=guest, points=10, idempotency_key="same")
    assert balance_of(guest) == (50, 0)


def test_minimum_redemption_names_the_limit(guest, program):
    program(min_redeem_points=100)
    accrue_points(guest=guest, points=500, kind=EntryKind.ACCRUAL, idempotency_key="a-1")
    with pytest.raises(RedemptionLimitExceeded) as refusal:
        redeem_points(guest=guest, points=99, idempotency_key="r-1")
    assert refusal.value.status == 422
    assert refusal.value.details["limit"] == "min_points"
    assert refusal.value.details["min_points"] == 100


def test_maximum_share_of_check_names_the_limit(guest, program):
    program(max_redeem_share_percent=30)
    accrue_points(guest=guest, points=500, kind=EntryKind.ACCRUAL, idempotency_key="a-1")
    with pytest.raises(RedemptionLimitExceeded) as refusal:
        redeem_points(guest=guest, points=301, idempotency_key="r-1", check_amount=1000)
    assert refusal.value.details["limit"] == "max_share"
    assert refusal.value.details["max_points"] == 300
    assert redeem_points(guest=guest, points=300, idempotency_key="r-2", check_amount=1000).points == -300


def test_blocked_guest_can_neither_earn_nor_spend(guest):
    accrue_points(guest=guest, points=50, kind=EntryKind.ACCRUAL, idempotency_key="a-1")
    guest = block_guest(access=None, guest=guest, reason="test")
    with pytest.raises(GuestNotActive):
        accrue_points(guest=guest, points=50, kind=EntryKind.ACCRUAL, idempotency_key="a-2")
    with pytest.raises(GuestNotActive):
        redeem_points(guest=guest, points=10, idempotency_key="r-1")
    assert balance_of(guest) == (50, 0)


def test_staff_action_is_audited_system_action_is_not(guest, alpha):
    manager = alpha.user("manager")  # a manual grant within the manager's limit (a cashier may make none)
    accrue_points(guest=guest, points=40, kind=EntryKind.ACCRUAL, idempotency_key="sys")
    accrue_points(guest=guest, points=10, kind=EntryKind.ACCRUAL, idempotency_key="staff", actor=manager)
    audits = AuditEntry.objects.filter(action="points.accrued", object_id=str(guest.pk))
    assert [(audit.actor_id, audit.data["points"]) for audit in audits] == [(manager.pk, 10)]
