"""Erasing a guest (152-FZ / GDPR) also removes the bot's chat with them: their Telegram name, username and the
phone they shared. Other guests' chats stay."""

from __future__ import annotations

from guests.services import erase_guest
from telegram_bot.models import TelegramChat


def test_the_erased_guest_s_chat_goes_and_others_stay(alpha, linked_guest):
    erased = linked_guest("+79165550101", 5550101)
    kept = linked_guest("+79165550102", 5550102)
    TelegramChat.objects.filter(guest=erased).update(first_name="Vera", username="vera_k", shared_phone="+79165550101")
    erase_guest(guest=erased, access=None, reason="guest asked to be forgotten")
    assert not TelegramChat.objects.filter(chat_id=5550101).exists()
    assert TelegramChat.objects.filter(chat_id=5550102, guest=kept).exists()
