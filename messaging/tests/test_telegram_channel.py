"""A message whose channel is Telegram goes through the bot's own delivery path: the fake Bot API receives it, the
bot's delivery log and the message log both say sent; a chat that blocked the bot fails it and is marked."""

from __future__ import annotations

from messaging.models import Message
from messaging.services import send_to_guest
from telegram_bot.models import Delivery, TelegramChat

CHAT = 5580001


def test_a_telegram_message_is_sent_by_the_bot(
    alpha_bot, telegram_api, linked_guest, django_capture_on_commit_callbacks
):
    guest = linked_guest("+79165580001", CHAT)

    with django_capture_on_commit_callbacks(execute=True):
        message = send_to_guest(
            guest=guest, kind="promo", text="Autumn menu is here", dedupe_key="tg:1", is_marketing=False
        )

    message = Message.objects.get(pk=message.pk)
    assert telegram_api.texts(CHAT) == ["Autumn menu is here"]
    assert (message.channel, message.status, message.provider) == ("telegram", "sent", "telegram")
    assert Delivery.objects.get(dedupe_key=f"message:{message.pk}").status == "sent"


def test_a_chat_that_blocked_the_bot_fails_the_message(
    alpha_bot, telegram_api, linked_guest, django_capture_on_commit_callbacks
):
    guest = linked_guest("+79165580002", CHAT + 1)
    telegram_api.failures[CHAT + 1] = [(403, "Forbidden: bot was blocked by the user", {})]

    with django_capture_on_commit_callbacks(execute=True):
        message = send_to_guest(guest=guest, kind="promo", text="Hi", dedupe_key="tg:2", is_marketing=False)

    message = Message.objects.get(pk=message.pk)
    assert message.status == "failed" and "blocked" in message.reason
    assert TelegramChat.objects.get(guest=guest).is_unreachable


def test_the_same_dedupe_key_sends_once(alpha_bot, telegram_api, linked_guest, django_capture_on_commit_callbacks):
    guest = linked_guest("+79165580003", CHAT + 2)

    with django_capture_on_commit_callbacks(execute=True):
        first = send_to_guest(guest=guest, kind="welcome", text="Welcome", dedupe_key="tg:3", is_marketing=False)
    with django_capture_on_commit_callbacks(execute=True):  # a rerun of whatever sent it
        second = send_to_guest(guest=guest, kind="welcome", text="Welcome", dedupe_key="tg:3", is_marketing=False)

    assert first.pk == second.pk
    assert telegram_api.texts(CHAT + 2) == ["Welcome"]
    assert Message.objects.filter(dedupe_key="tg:3").count() == 1
