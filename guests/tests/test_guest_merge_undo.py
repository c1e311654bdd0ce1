"""Undoing a merge (guests.merge.unmerge_guests) puts back exactly what moved, within 30 days; later, twice, or
after the merged points were spent it is refused with a clear reason."""

from __future__ import annotations

import datetime

import pytest

from audit.models import AuditEntry
from guests.errors import MergeUndoRefused
from guests.merge import merge_guests, unmerge_guests
from guests.models import Guest, GuestMerge, GuestStatus, Visit
from guests.services import erase_guest
from guests.tests.merge_setup import duplicate_pair, two_levels
from loyalty.models import LedgerEntry, PointsAccount
from loyalty.services import redeem_points
from loyalty.tests.ledger_checks import assert_balance_matches_ledger
from telegram_bot.models import TelegramChat

PROFILE = ("phone", "card_number", "email", "birthday", "telegram_chat_id", "status", "sms_consent_at", "tags")


@pytest.fixture
def pair(alpha):
    two_levels()
    return duplicate_pair(alpha)


def _state(guest: Guest) -> dict[str, object]:
    guest.refresh_from_db()
    account = PointsAccount.objects.get(guest=guest)
    return {
        "profile": {field: getattr(guest, field) for field in PROFILE},
        "account": (account.available, account.pending, account.lifetime_spend_amount, account.level_id),
        "entries": set(LedgerEntry.objects.filter(guest=guest).values_list("id", flat=True)),
        "visits": set(Visit.objects.filter(guest=guest).values_list("id", flat=True)),
    }


def test_undo_within_30_days_puts_everything_back(alpha, pair):
    survivor, other = pair
    before = {guest.pk: _state(guest) for guest in pair}
    merge = merge_guests(access=None, survivor_id=survivor.pk, other_id=other.pk)
    unmerge_guests(access=None, merge_id=merge.pk)
    assert {guest.pk: _state(guest) for guest in pair} == before
    assert TelegramChat.objects.get(chat_id=700001).guest_id == other.pk
    assert_balance_matches_ledger(survivor)
    assert_balance_matches_ledger(other)
    assert AuditEntry.objects.filter(action="guest.merge_undone").count() == 2


def test_undo_after_30_days_is_refused(alpha, pair):
    survivor, other = pair
    merge = merge_guests(access=None, survivor_id=survivor.pk, other_id=other.pk)
    GuestMerge.objects.filter(pk=merge.pk).update(merged_at=merge.merged_at - datetime.timedelta(days=31))
    with pytest.raises(MergeUndoRefused) as refused:
        unmerge_guests(access=None, merge_id=merge.pk)
    assert "30 days" in str(refused.value.message)
    assert Guest.objects.get(pk=other.pk).status == GuestStatus.MERGED


def test_undo_on_day_29_is_allowed(alpha, pair):
    survivor, other = pair
    merge = merge_guests(access=None, survivor_id=survivor.pk, other_id=other.pk)
    GuestMerge.objects.filter(pk=merge.pk).update(merged_at=merge.merged_at - datetime.timedelta(days=29))
    unmerge_guests(access=None, merge_id=merge.pk)
    assert Guest.objects.get(pk=other.pk).status == GuestStatus.ACTIVE


def test_a_second_undo_is_refused(alpha, pair):
    survivor, other = pair
    merge = merge_guests(access=None, survivor_id=survivor.pk, other_id=other.pk)
    unmerge_guests(access=None, merge_id=merge.pk)
    with pytest.raises(MergeUndoRefused):
        unmerge_guests(access=None, merge_id=merge.pk)


def test_undo_is_refused_once_the_merged_points_were_spent(alpha, pair):
    survivor, other = pair
    merge = merge_guests(access=None, survivor_id=survivor.pk, other_id=other.pk)
    available = PointsAccount.objects.get(guest=survivor).available
    redeem_points(guest=survivor, points=available, idempotency_key=f"spend-all:{survivor.pk}")
    with pytest.raises(MergeUndoRefused):
        unmerge_guests(access=None, merge_id=merge.pk)
    assert_balance_matches_ledger(survivor)


def test_erasing_the_survivor_scrubs_the_merge_record_and_ends_its_undo(alpha, pair):
    survivor, other = pair
    merge = merge_guests(access=None, survivor_id=survivor.pk, other_id=other.pk)
    erase_guest(guest=survivor, access=None, reason="asked")
    merge.refresh_from_db()
    assert (merge.survivor_before, merge.merged_before) == ({}, {})
    with pytest.raises(MergeUndoRefused):
        unmerge_guests(access=None, merge_id=merge.pk)
