"""Telegram's refusals: a 429 is retried after retry_after and then delivered; a 403 marks the guest unreachable."""

from __future__ import annotations

from telegram_bot.models import Delivery, DeliveryStatus, MessageKind, TelegramChat
from telegram_bot.services import queue_message

CHAT = 5580001


def test_flood_control_then_success_delivers_once(
    alpha, alpha_bot, telegram_api, linked_guest, django_capture_on_commit_callbacks
):
    guest = linked_guest("+79164440001", CHAT)
    telegram_api.failures[CHAT] = [(429, "Too Many Requests: retry after 1", {"retry_after": 1})]

    with django_capture_on_commit_callbacks(execute=True):
        queue_message(guest=guest, kind=MessageKind.RECEIPT, text="+5 points · balance 5", dedupe_key="t:429")

    assert len(telegram_api.sent("sendMessage", CHAT)) == 2  # the refused attempt and the retry
    delivery = Delivery.objects.get(dedupe_key="t:429")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)


def test_blocked_bot_marks_guest_unreachable_and_stops_messages(
    alpha, alpha_bot, telegram_api, linked_guest, django_capture_on_commit_callbacks
):
    guest = linked_guest("+79164440002", CHAT)
    telegram_api.failures[CHAT] = [(403, "Forbidden: bot was blocked by the user", {})]

    with django_capture_on_commit_callbacks(execute=True):
        queue_message(guest=guest, kind=MessageKind.RECEIPT, text="+5 points", dedupe_key="t:403a")
    with django_capture_on_commit_callbacks(execute=True):
        later = queue_message(guest=guest, kind=MessageKind.RECEIPT, text="+6 points", dedupe_key="t:403b")

    delivery = Delivery.objects.get(dedupe_key="t:403a")
    assert delivery.status == DeliveryStatus.FAILED and "blocked" in delivery.reason
    assert TelegramChat.objects.get(chat_id=CHAT).is_unreachable
    assert later is None
    assert len(telegram_api.sent("sendMessage", CHAT)) == 1


def test_delivery_log_is_shown_by_its_include(
    alpha, alpha_bot, telegram_api, linked_guest, django_capture_on_commit_callbacks
):
    from django.template.loader import render_to_string
    from django.utils import translation

    from telegram_bot.selectors import guest_deliveries

    guest = linked_guest("+79164440003", CHAT)
    telegram_api.failures[CHAT] = [(403, "Forbidden: bot was blocked by the user", {})]
    with django_capture_on_commit_callbacks(execute=True):
        queue_message(guest=guest, kind=MessageKind.RECEIPT, text="+5 points", dedupe_key="t:log")

    with translation.override("en"):
        html = render_to_string("telegram_bot/_delivery_log.html", {"deliveries": guest_deliveries(guest=guest)})
    assert "Points after a check" in html and "Failed" in html and "blocked the bot" in html
