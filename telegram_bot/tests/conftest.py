"""Fixtures of the Telegram tests: the fake Bot API, a connected bot for chain alpha, updates as Telegram sends them."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest

from telegram_bot.tests.fake_telegram import FakeTelegram, start_fake_telegram
from tests.fixtures import ChainWorld, client_on

TOKEN = "700100:AAH-alpha-test-token"
_update_ids = itertools.count(1_000_000)


@pytest.fixture(scope="session")
def _fake_telegram_server() -> Iterator[FakeTelegram]:
    fake = start_fake_telegram()
    yield fake
    fake.server.shutdown()


@pytest.fixture
def telegram_api(_fake_telegram_server: FakeTelegram, settings: Any) -> FakeTelegram:
    _fake_telegram_server.reset()
    _fake_telegram_server.valid_tokens.add(TOKEN)
    settings.TELEGRAM_API_BASE_URL = _fake_telegram_server.base_url
    settings.TELEGRAM_CHAT_INTERVAL_SECONDS = 0.01
    return _fake_telegram_server


@pytest.fixture
def alpha_bot(alpha: ChainWorld, telegram_api: FakeTelegram) -> Any:
    from telegram_bot.services import connect_bot

    bot = connect_bot(token=TOKEN, actor=alpha.user("owner"))
    telegram_api.calls.clear()
    return bot


def user_json(user_id: int, language: str = "ru") -> dict[str, Any]:
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": "Ivan",
        "username": f"user{user_id}",
        "language_code": language,
    }


def message_update(
    user_id: int, text: str = "", contact: dict[str, Any] | None = None, language: str = "ru"
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_update_ids),
        "date": 1_700_000_000,
        "chat": {"id": user_id, "type": "private"},
        "from": user_json(user_id, language),
    }
    if text:
        message["text"] = text
    if contact is not None:
        message["contact"] = contact
    return {"update_id": next(_update_ids), "message": message}


def callback_update(user_id: int, data: str) -> dict[str, Any]:
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": user_json(user_id),
            "chat_instance": "1",
            "data": data,
            "message": {"message_id": 1, "date": 1_700_000_000, "chat": {"id": user_id, "type": "private"}},
        },
    }


def post_update(world: ChainWorld, update: dict[str, Any], secret: str | None = None) -> Any:
    from telegram_bot.selectors import current_bot, webhook_secret

    if secret is None:
        secret = webhook_secret(current_bot())  # type: ignore[arg-type]
    return client_on(world.host).post(
        "/telegram/webhook/",
        json.dumps(update),
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=secret,
    )


@pytest.fixture
def send_update(alpha: ChainWorld, alpha_bot: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """Deliver an update through the webhook and run what it queued (Celery is eager in tests)."""

    def send(update: dict[str, Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            response = post_update(alpha, update)
        assert response.status_code == 200
        return response

    return send


@pytest.fixture
def linked_guest(alpha: ChainWorld) -> Any:
    """linked_guest(phone, chat_id, consent=True, **guest fields): a registered guest who then shared their phone
    in the bot's chat and was linked by the bot's service (telegram_bot.services.updates.link_or_register)."""
    from guests.models import Guest
    from guests.services import create_guest
    from telegram_bot.models import TelegramChat
    from telegram_bot.services.updates import link_or_register

    def make(phone: str, chat_id: int, consent: bool = True, **fields: Any) -> Guest:
        fields.setdefault("language", "en")
        guest = create_guest(access=None, phone=phone, consents={"telegram": consent}, **fields)
        # The chat as the bot records it from the user's first message and shared contact.
        chat = TelegramChat.objects.create(chat_id=chat_id, user_id=chat_id, language="en", shared_phone=guest.phone)
        linked, _created = link_or_register(chat=chat, consent=consent)
        assert linked is not None and linked.pk == guest.pk
        guest.refresh_from_db()
        return guest

    return make


STAFF_LINK_PATTERN = r"https://t\.me/[A-Za-z0-9_]+\?start=(staff_[A-Za-z0-9_-]+)"


@pytest.fixture
def link_staff_telegram(alpha: ChainWorld, alpha_bot: Any, send_update: Any, telegram_api: FakeTelegram) -> Any:
    """link_staff_telegram(role, chat_id): the staff member presses "Connect Telegram" on their page and opens the
    deep link in Telegram (/start staff_<token> through the bot's webhook). Returns the start parameter used."""
    import re

    from tests.fixtures import signed_in_client

    def link(role: str, chat_id: int) -> str:
        page = signed_in_client(alpha, role).post("/settings/telegram/alerts/", {"connect": "1"})
        assert page.status_code == 200
        found = re.search(STAFF_LINK_PATTERN, page.content.decode())
        assert found is not None
        send_update(message_update(chat_id, f"/start {found.group(1)}", language="en"))
        return found.group(1)

    return link
