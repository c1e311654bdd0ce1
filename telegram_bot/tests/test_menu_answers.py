"""The menu of a linked guest: balance and level, card QR, history pages, invite link, notifications, help."""

from __future__ import annotations

from loyalty.models import EntryKind
from loyalty.services import accrue_points
from telegram_bot.models import TelegramChat
from telegram_bot.tests.fake_telegram import BOT_USERNAME

from .conftest import callback_update, message_update

CHAT = 5560001


def test_balance_shows_points(alpha, telegram_api, send_update, linked_guest):
    guest = linked_guest("+79162220001", CHAT)
    accrue_points(guest=guest, points=1540, kind=EntryKind.BIRTHDAY, idempotency_key="t1", reason="gift")

    send_update(callback_update(CHAT, "bal"))

    assert "Balance: 1\u202f540 points" in telegram_api.texts(CHAT)[-1]
    assert telegram_api.sent("answerCallbackQuery")


def test_card_is_a_qr_photo_with_the_card_number(alpha, telegram_api, send_update, linked_guest):
    guest = linked_guest("+79162220002", CHAT)

    send_update(callback_update(CHAT, "card"))

    photo = telegram_api.sent("sendPhoto", CHAT)[0]
    assert photo.params["photo"][:8] == b"\x89PNG\r\n\x1a\n"
    assert guest.card_number in photo.params["caption"]


def test_history_is_paged(alpha, telegram_api, send_update, linked_guest):
    guest = linked_guest("+79162220003", CHAT)
    for number in range(7):
        accrue_points(
            guest=guest,
            points=10 + number,
            kind=EntryKind.BIRTHDAY,
            idempotency_key=f"h{number}",
            reason=f"gift {number}",
        )

    send_update(callback_update(CHAT, "hist:0"))
    first = telegram_api.sent(chat_id=CHAT)[-1]
    send_update(callback_update(CHAT, "hist:1"))
    second = telegram_api.texts(CHAT)[-1]

    assert "gift 6" in first.params["text"] and "gift 1" not in first.params["text"]
    assert "hist:1" in first.params["reply_markup"]
    assert "gift 1" in second and "gift 6" not in second


def test_invite_gives_a_personal_deep_link(alpha, telegram_api, send_update, linked_guest):
    guest = linked_guest("+79162220004", CHAT)

    send_update(callback_update(CHAT, "invite"))

    assert f"https://t.me/{BOT_USERNAME}?start=ref_{guest.card_number}" in telegram_api.texts(CHAT)[-1]


def test_notifications_toggle_off_and_on(alpha, telegram_api, send_update, linked_guest):
    linked_guest("+79162220005", CHAT)

    send_update(callback_update(CHAT, "notif"))
    assert "off" in telegram_api.texts(CHAT)[-1]
    assert not TelegramChat.objects.get(chat_id=CHAT).notifications_enabled
    send_update(callback_update(CHAT, "notif"))
    assert TelegramChat.objects.get(chat_id=CHAT).notifications_enabled


def test_restaurants_list_addresses_and_map_links(alpha, telegram_api, send_update, linked_guest):
    linked_guest("+79162220006", CHAT)

    send_update(callback_update(CHAT, "rest"))

    text = telegram_api.texts(CHAT)[-1]
    assert "Alpha Center" in text and "Main st. 1" in text and "yandex.ru/maps" in text


def test_free_text_gets_a_short_help(alpha, telegram_api, send_update, linked_guest):
    linked_guest("+79162220007", CHAT)

    send_update(message_update(CHAT, "what is this?", language="en"))

    assert "did not understand" in telegram_api.texts(CHAT)[-1]
