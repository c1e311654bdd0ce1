"""Who may be reached through a channel (guests.conditions.reachable_condition, the one rule for every sender):
consent given and not withdrawn, the contact present, the Telegram chat not blocked, an active real guest."""

from __future__ import annotations

import pytest

from guests.conditions import reachable_condition
from guests.models import Guest
from guests.services import block_guest, find_or_create_test_guest, set_consent, update_guest
from guests.tests.factories import GuestFactory
from telegram_bot.models import TelegramChat
from telegram_bot.services.updates import link_or_register
from tests.fixtures import ChainWorld


def reachable(channel: str, guest: Guest) -> bool:
    return Guest.objects.filter(reachable_condition(channel), pk=guest.pk).exists()


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_consent_given_and_not_withdrawn_with_the_contact(alpha: ChainWorld, channel: str) -> None:
    consenting, silent = GuestFactory(consents={channel: True}), GuestFactory()
    withdrawn = GuestFactory(consents={channel: True})
    set_consent(guest=withdrawn, channel=channel, given=False)
    given_again = GuestFactory(consents={channel: True})
    set_consent(guest=given_again, channel=channel, given=False)
    set_consent(guest=given_again, channel=channel, given=True)

    assert reachable(channel, consenting)
    assert reachable(channel, given_again)
    assert not reachable(channel, silent)
    assert not reachable(channel, withdrawn)


def test_email_needs_an_address(alpha: ChainWorld) -> None:
    assert not reachable("email", GuestFactory(email="", consents={"email": True}))


def test_telegram_needs_a_chat_that_has_not_blocked_the_bot(alpha: ChainWorld) -> None:
    linked, blocked = GuestFactory(), GuestFactory()
    for guest, chat_id in ((linked, 8101), (blocked, 8102)):
        chat = TelegramChat.objects.create(chat_id=chat_id, user_id=chat_id, shared_phone=guest.phone)
        link_or_register(chat=chat, consent=True)
    TelegramChat.objects.filter(chat_id=8102).update(unreachable_at="2026-01-01T00:00:00Z")

    assert reachable("telegram", linked)
    assert not reachable("telegram", blocked)
    assert not reachable("telegram", GuestFactory(consents={"telegram": True}))  # consent, but no chat


def test_blocked_and_test_guests_are_never_reached(alpha: ChainWorld, access_of) -> None:
    blocked = GuestFactory(consents={"email": True})
    block_guest(access=access_of("owner"), guest=blocked)
    test_guest = update_guest(
        access=None,
        guest=find_or_create_test_guest(actor=None),
        data={"email": "till-test@mail.ru", "consents": {"email": True}},
    )
    assert test_guest.has_consent("email") and test_guest.email  # every other part of the rule holds

    assert not reachable("email", blocked)
    assert not reachable("email", test_guest)


def test_an_unknown_channel_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="pigeon"):
        reachable_condition("pigeon")
