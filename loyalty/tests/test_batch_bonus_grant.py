"""The ledger's batch grant (grant_program_bonuses, used by automations and campaigns) writes what one
grant_program_bonus per guest would (lots, balances, pending promo bonuses), in statements that do not grow with the
batch; a rerun under the same keys writes nothing, a key reused differently is refused, and a guest who is no
longer active gets nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guests.services import block_guest
from loyalty.errors import IdempotencyKeyReused
from loyalty.models import EntryKind, LedgerEntry, PointsAccount
from loyalty.services import BonusGrant, grant_program_bonus, grant_program_bonuses
from loyalty.tests.factories import GuestFactory


def _account(guest_id: int) -> tuple[int, int]:
    account = PointsAccount.objects.get(guest_id=guest_id)
    return account.available, account.pending


def test_a_batch_writes_what_one_grant_per_guest_writes(alpha, program):
    program(expiry_days=30, activation_delay_hours=24)
    one_by_one, batched = GuestFactory(), GuestFactory()
    alone = grant_program_bonus(
        guest=one_by_one, points=70, kind=EntryKind.PROMO_BONUS, idempotency_key="single", reason="Promo"
    )

    entries = grant_program_bonuses(
        grants=[BonusGrant(batched.pk, 70, "batched")], kind=EntryKind.PROMO_BONUS, reason="Promo"
    )

    together = LedgerEntry.objects.get(idempotency_key="batched")
    assert entries["batched"].pk == together.pk
    fields = ("kind", "points", "remaining_points", "is_pending", "reason")
    assert [getattr(together, name) for name in fields] == [getattr(alone, name) for name in fields]
    assert together.available_at - together.created_at == alone.available_at - alone.created_at
    assert together.expires_at is not None
    assert _account(batched.pk) == _account(one_by_one.pk) == (0, 70)


def test_a_rerun_writes_nothing_and_an_inactive_guest_gets_nothing(alpha):
    first, second = GuestFactory(), GuestFactory()
    blocked = block_guest(access=None, guest=GuestFactory(), reason="fraud")
    grants = [BonusGrant(guest.pk, 100, f"bonus:{guest.pk}") for guest in (first, second, blocked)]

    grant_program_bonuses(grants=grants, kind=EntryKind.WELCOME, reason="Welcome")
    again = grant_program_bonuses(grants=grants, kind=EntryKind.WELCOME, reason="Welcome")

    assert {key: entry.is_replay for key, entry in again.items()} == {
        f"bonus:{first.pk}": True,
        f"bonus:{second.pk}": True,
    }
    assert LedgerEntry.objects.filter(kind=EntryKind.WELCOME).count() == 2
    assert _account(first.pk) == _account(second.pk) == (100, 0)
    assert _account(blocked.pk) == (0, 0)


def test_a_key_reused_for_another_grant_is_refused(alpha):
    guest = GuestFactory()
    grant_program_bonuses(grants=[BonusGrant(guest.pk, 100, "key")], kind=EntryKind.WELCOME, reason="Welcome")

    with pytest.raises(IdempotencyKeyReused):
        grant_program_bonuses(grants=[BonusGrant(guest.pk, 200, "key")], kind=EntryKind.WELCOME, reason="Welcome")
    assert _account(guest.pk) == (100, 0)


def _statements(size: int, tag: str) -> int:
    guests = [GuestFactory() for _ in range(size)]
    with CaptureQueriesContext(connection) as captured:
        grant_program_bonuses(
            grants=[BonusGrant(guest.pk, 10, f"{tag}:{guest.pk}") for guest in guests],
            kind=EntryKind.PROMO_BONUS,
            reason="Promo",
        )
    assert LedgerEntry.objects.filter(idempotency_key__startswith=f"{tag}:").count() == size
    return len(captured)


def test_the_statements_of_a_batch_do_not_grow_with_it(alpha):
    _statements(1, "warm")
    assert _statements(2, "small") == _statements(25, "large")
