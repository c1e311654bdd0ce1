"""`manage.py run_bot --chain SLUG` polls Telegram and answers in-process, without a webhook."""

from __future__ import annotations

from django.core.management import call_command

from .conftest import message_update

CHAT = 5630001


def test_polling_answers_start_and_deletes_the_webhook(alpha, alpha_bot, telegram_api):
    telegram_api.updates.append(message_update(CHAT, "/start", language="en"))

    call_command("run_bot", chain="alpha", once=True)

    assert telegram_api.sent("deleteWebhook")
    assert "share your phone number" in telegram_api.texts(CHAT)[-1]
