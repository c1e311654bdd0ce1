"""From /start with a referral deep link to a linked guest with the welcome bonus; the referral is recorded and
paid on the new guest's first purchase (loyalty.services.referrals), never by the bot at sign-up."""

from __future__ import annotations

from decimal import Decimal

from guests.models import Guest, GuestSource
from guests.services import create_guest
from loyalty.models import EntryKind, LedgerEntry, Referral
from loyalty.rules import Check
from loyalty.services import apply_check, update_program_settings
from telegram_bot.models import TelegramChat

from .conftest import callback_update, message_update

USER = 5550001


def test_referral_start_to_linked_guest_with_welcome_bonus_and_referral_paid_on_first_purchase(
    alpha, telegram_api, send_update
):
    update_program_settings(
        actor=None, changes={"welcome_bonus_points": 100, "referral_bonus_points": 50, "referred_bonus_points": 30}
    )
    referrer = create_guest(access=None, phone="+79160000001")

    send_update(message_update(USER, f"/start ref_{referrer.card_number}"))
    assert any(
        call.params.get("reply_markup") and "request_contact" in call.params["reply_markup"]
        for call in telegram_api.sent(chat_id=USER)
    )
    send_update(message_update(USER, contact={"phone_number": "79161112233", "first_name": "Ivan", "user_id": USER}))
    send_update(callback_update(USER, "consent:yes"))

    guest = Guest.objects.get(phone="+79161112233")
    assert (guest.telegram_chat_id, guest.source, guest.has_consent("telegram")) == (USER, GuestSource.TELEGRAM, True)
    kinds = sorted(LedgerEntry.objects.filter(guest=guest).values_list("kind", "points"))
    assert kinds == [(EntryKind.WELCOME, 100)]  # the bot grants no referral bonus at sign-up
    assert not LedgerEntry.objects.filter(guest=referrer, kind=EntryKind.REFERRAL).exists()
    assert Referral.objects.get(guest=guest).referrer_id == referrer.pk
    assert any("100" in text for text in telegram_api.texts(USER))  # the welcome message shows the balance

    apply_check(guest=guest, check=Check(total_amount=Decimal(500)), restaurant=None, idempotency_key="first")
    assert LedgerEntry.objects.filter(guest=referrer, kind=EntryKind.REFERRAL).values_list("points", flat=True)[0] == 50
    assert LedgerEntry.objects.filter(guest=guest, kind=EntryKind.REFERRAL).values_list("points", flat=True)[0] == 30


def test_existing_guest_is_linked_without_new_bonuses(alpha, telegram_api, send_update):
    guest = create_guest(access=None, phone="+79161112244")
    before = LedgerEntry.objects.filter(guest=guest).count()

    send_update(message_update(USER, "/start"))
    send_update(message_update(USER, contact={"phone_number": "+79161112244", "first_name": "I", "user_id": USER}))
    send_update(callback_update(USER, "consent:no"))

    guest.refresh_from_db()
    assert guest.telegram_chat_id == USER and not guest.has_consent("telegram")
    assert LedgerEntry.objects.filter(guest=guest).count() == before


def test_contact_of_another_user_is_refused(alpha, telegram_api, send_update):
    send_update(message_update(USER, "/start", language="en"))
    send_update(
        message_update(USER, contact={"phone_number": "79161112255", "first_name": "X", "user_id": 42}, language="en")
    )

    assert TelegramChat.objects.get(chat_id=USER).shared_phone == ""
    assert "own phone number" in telegram_api.texts(USER)[-1]
    assert not Guest.objects.filter(phone="+79161112255").exists()


def test_blocked_guest_gets_a_polite_refusal(alpha, telegram_api, send_update):
    from guests.services import block_guest

    guest = create_guest(access=None, phone="+79161112266")
    block_guest(access=None, guest=guest, reason="fraud")
    send_update(message_update(USER, "/start", language="en"))
    send_update(
        message_update(USER, contact={"phone_number": "79161112266", "first_name": "I", "user_id": USER}, language="en")
    )
    send_update(callback_update(USER, "consent:yes"))

    assert "blocked" in telegram_api.texts(USER)[-1]
    assert Guest.objects.get(pk=guest.pk).telegram_chat_id is None
