"""The bot token in Settings: checked with getMe, stored encrypted, webhook set; replaced or removed moves it."""

from __future__ import annotations

from telegram_bot.models import TelegramBot
from tests.fixtures import signed_in_client

from .conftest import TOKEN

NEW_TOKEN = "700100:AAH-replacement-token"


def test_owner_connects_the_bot_and_sees_its_username(alpha, telegram_api):
    response = signed_in_client(alpha, "owner").post("/settings/telegram/", {"token": TOKEN}, follow=True)

    assert "@alpha_loyalty_bot" in response.content.decode()
    bot = TelegramBot.objects.get()
    assert TOKEN not in bot.token_encrypted
    webhook = telegram_api.sent("setWebhook")[0]
    assert webhook.params["url"] == "http://alpha.ml.test:8000/telegram/webhook/"
    assert len(webhook.params["secret_token"]) >= 32


def test_rejected_token_is_shown_on_the_form(alpha, telegram_api):
    response = signed_in_client(alpha, "owner").post("/settings/telegram/", {"token": "123:wrong"})

    assert response.status_code == 422
    assert "did not accept" in response.content.decode()
    assert not TelegramBot.objects.exists()


def test_replacing_the_token_deletes_the_old_webhook(alpha, alpha_bot, telegram_api):
    telegram_api.valid_tokens.add(NEW_TOKEN)

    signed_in_client(alpha, "owner").post("/settings/telegram/", {"token": NEW_TOKEN})

    assert [call.token for call in telegram_api.sent("deleteWebhook")] == [TOKEN]
    assert [call.token for call in telegram_api.sent("setWebhook")] == [NEW_TOKEN]


def test_removing_the_bot_deletes_its_webhook(alpha, alpha_bot, telegram_api):
    signed_in_client(alpha, "owner").post("/settings/telegram/", {"remove": "1"})

    assert [call.token for call in telegram_api.sent("deleteWebhook")] == [TOKEN]
    assert not TelegramBot.objects.exists()


def test_cashier_cannot_open_the_bot_settings(alpha, telegram_api):
    response = signed_in_client(alpha, "cashier").get("/settings/telegram/")
    assert response.status_code in (403, 404)
