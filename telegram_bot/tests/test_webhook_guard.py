"""The webhook takes only calls carrying this chain's secret, and acts once per update id."""

from __future__ import annotations

from telegram_bot.models import ProcessedUpdate

from .conftest import message_update, post_update

CHAT = 5590001


def test_wrong_or_missing_secret_is_refused(alpha, alpha_bot, telegram_api):
    update = message_update(CHAT, "/start")

    assert post_update(alpha, update, secret="not-the-secret").status_code == 403
    assert post_update(alpha, update, secret="").status_code == 403
    assert not ProcessedUpdate.objects.filter(update_id=update["update_id"]).exists()
    assert telegram_api.calls == []


def test_other_chains_secret_is_refused(alpha, beta, alpha_bot, telegram_api):
    from tests.fixtures import client_on

    response = client_on(beta.host).post(
        "/telegram/webhook/", "{}", content_type="application/json", HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="x"
    )
    assert response.status_code == 403


def test_duplicate_update_is_ignored(alpha, telegram_api, send_update):
    update = message_update(CHAT, "/start")

    send_update(update)
    greeted = len(telegram_api.texts(CHAT))
    send_update(update)

    assert greeted == 2  # the greeting and the share-contact prompt
    assert len(telegram_api.texts(CHAT)) == greeted
