"""Merging a duplicate profile (guests.merge.merge_guests): the survivor keeps every identifier, both ledgers and
balances, the visits, the Telegram link, the stricter consents and a recomputed level; the merged profile is hidden
and answers with the survivor's id; both are audited."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from guests.errors import CannotMergeGuest, GuestMerged
from guests.merge import merge_guests, unmerge_guests
from guests.models import GUEST_FIELDS_FOR_CHECKS, Guest, GuestStatus, Visit
from guests.selectors import access_guest, guest_list, lookup_guest, lookup_guests
from guests.services import block_guest
from guests.tests.merge_setup import BIRTHDAY, duplicate_pair, two_levels
from loyalty.errors import GuestNotActive
from loyalty.models import AppliedCheck, EntryKind, LedgerEntry, LevelChange, PointsAccount
from loyalty.services import accrue_points
from loyalty.tests.ledger_checks import assert_balance_matches_ledger
from telegram_bot.models import TelegramChat


@pytest.fixture
def pair(alpha):
    two_levels()
    return duplicate_pair(alpha)


def test_survivor_keeps_every_identifier(alpha, pair):
    survivor, other = pair
    phone, card, qr, chat_id = other.phone, other.card_number, other.qr_token, other.telegram_chat_id
    merge_guests(access=None, survivor_id=survivor.pk, other_id=other.pk)
    survivor.refresh_from_db()
    assert survivor.email == "ivan@mail.ru"  # its own kept
    assert survivor.birthday == BIRTHDAY  # filled from the other
    assert survivor.telegram_chat_id == chat_id
    # the other's phone, card and QR (the survivor had its own) find the survivor at the till and from the POS
    assert lookup_guest(access=None, phone=phone) == survivor
    assert lookup_guest(access=None, card=card) == survivor
    assert lookup_guest(access=None, qr=qr) == survivor
    assert lookup_guests([("card", card)], fields=GUEST_FIELDS_FOR_CHECKS)[("card", card)] == survivor


def test_ledger_of_both_is_the_survivors_and_balance_is_the_sum(alpha, pair):
    survivor, other = pair
    before = {g.pk: PointsAccount.objects.get(guest=g).available for g in pair}
    entries = LedgerEntry.objects.filter(guest__in=pair).count()
    merge_guests(access=None, survivor_id=survivor.pk, other_id=other.pk)
    assert LedgerEntry.objects.filter(guest=survivor).count() == entries
    assert PointsAccount.objects.get(guest=survivor).available == sum(before.values())
    assert PointsAccount.objects.get(guest=other).available == 0
    assert_balance_matches_ledger(survivor)
    assert_balance_matches_ledger(other)


def test_level_is_recomputed_from_the_summed_spend(alpha, pair):
    survivor, other = pair
    assert PointsAccount.objects.get(guest=survivor).level.name == "Base"
    merge_guests(access=None, survivor_id=survivor.pk, other_id=other.pk)
    account = PointsAccount.objects.get(guest=survivor)
    assert account.lifetime_spend_amount == 4000
    assert account.level.name == "Gold"
    assert LevelChange.objects.filter(guest=survivor, reason="merge", to_level__name="Gold").exists()


def test_visits_checks_and_telegram_move_to_the_survivor(alpha, pair):
    survivor, other = pair
    merge_guests(access=None, survivor_id=survivor.pk, other_id=other.pk)
    assert Visit.objects.filter(guest=survivor).count() == 2
    assert not Visit.objects.filter(guest=other).exists()
    assert AppliedCheck.objects.filter(guest=survivor).count() == 2
    assert TelegramChat.objects.get(chat_id=700001).guest_id == survivor.pk


def test_the_stricter_consent_wins(alpha, pair):
    survivor, other = pair
    merge_guests(access=None, survivor_id=survivor.pk, other_id=other.pk)
    survivor.refresh_from_db()
    assert not survivor.has_consent("sms")  # withdrawn on the survivor, given on the other: withdrawn
    assert survivor.has_consent("email")  # given on the other, withdrawn nowhere
    assert survivor.has_consent("telegram")  # given through the bot on the other


def test_merged_profile_is_hidden_and_answers_with_the_survivor(alpha, pair, access_of):
    survivor, other = pair
    merge_guests(access=None, survivor_id=survivor.pk, other_id=other.pk)
    other.refresh_from_db()
    assert other.status == GuestStatus.MERGED
    assert other not in guest_list(access=access_of("owner"))
    with pytest.raises(GuestMerged) as raised:
        access_guest(access=access_of("owner"), guest_id=other.pk, reach="restaurants")
    assert raised.value.details["merged_into"] == survivor.pk


def test_merge_is_audited_on_both_profiles(alpha, pair, access_of):
    survivor, other = pair
    merge = merge_guests(access=access_of("admin"), survivor_id=survivor.pk, other_id=other.pk)
    rows = AuditEntry.objects.filter(action__in=["guest.merged", "guest.merged_away"])
    assert {(row.object_id, row.actor_id) for row in rows} == {
        (str(survivor.pk), alpha.user("admin").pk),
        (str(other.pk), alpha.user("admin").pk),
    }
    assert all(row.data["merge_id"] == merge.pk for row in rows)


def test_a_guest_cannot_be_merged_twice_or_with_itself(alpha, pair):
    survivor, other = pair
    with pytest.raises(CannotMergeGuest):
        merge_guests(access=None, survivor_id=survivor.pk, other_id=survivor.pk)
    merge_guests(access=None, survivor_id=survivor.pk, other_id=other.pk)
    with pytest.raises(CannotMergeGuest):
        merge_guests(access=None, survivor_id=survivor.pk, other_id=other.pk)
    assert Guest.objects.get(pk=other.pk).merged_into_id == survivor.pk


def test_a_merged_profile_earns_and_spends_nothing(alpha, pair):
    survivor, other = pair
    merge_guests(access=None, survivor_id=survivor.pk, other_id=other.pk)
    other.refresh_from_db()
    with pytest.raises(GuestNotActive):
        accrue_points(guest=other, points=10, kind=EntryKind.WELCOME, idempotency_key=f"after-merge:{other.pk}")


def test_a_block_on_the_merged_profile_is_kept_and_undone_with_the_merge(alpha, pair):
    survivor, other = pair
    block_guest(access=None, guest=other, reason="abuse")
    merge = merge_guests(access=None, survivor_id=survivor.pk, other_id=other.pk)
    assert Guest.objects.get(pk=survivor.pk).status == GuestStatus.BLOCKED
    unmerge_guests(access=None, merge_id=merge.pk)
    assert Guest.objects.get(pk=survivor.pk).status == GuestStatus.ACTIVE
    assert Guest.objects.get(pk=other.pk).status == GuestStatus.BLOCKED
