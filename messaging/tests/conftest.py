"""Fixtures of the messaging tests: guests made by the guests service, the Telegram fakes reused, email settings."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from guests.models import Guest
from guests.services import create_guest
from telegram_bot.tests.conftest import _fake_telegram_server, alpha_bot, linked_guest, telegram_api  # noqa: F401

_phones = itertools.count(9_000_001)


def next_phone() -> str:
    return f"+7916{next(_phones):07d}"


@pytest.fixture
def make_guest(alpha: Any) -> Callable[..., Guest]:
    """make_guest(email=..., consents={"email": True}, **fields): a guest registered through guests.services."""

    def make(email: str = "", consents: dict[str, bool] | None = None, **fields: Any) -> Guest:
        fields.setdefault("language", "en")
        return create_guest(access=None, phone=next_phone(), email=email, consents=consents or {}, **fields)

    return make
