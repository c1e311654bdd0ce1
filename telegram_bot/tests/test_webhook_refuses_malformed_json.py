"""Telegram's webhook reads its body through the one JSON reader: what is not JSON, or nests too deeply for
Python's parser, is a 400, never a 500, and nothing is queued."""

import pytest

from telegram_bot.models import ProcessedUpdate

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize("body", [DEEP, b'{"update_id": NaN}', b"{"], ids=["too-deep", "nan", "truncated"])
def test_a_malformed_update_is_400_and_nothing_is_taken_in(alpha, alpha_bot, body):
    from telegram_bot.selectors import current_bot, webhook_secret
    from tests.fixtures import client_on

    response = client_on(alpha.host).post(
        "/telegram/webhook/",
        body,
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=webhook_secret(current_bot()),
    )

    assert response.status_code == 400
    assert not ProcessedUpdate.objects.exists()
