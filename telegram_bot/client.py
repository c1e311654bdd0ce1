"""The one way we talk to the Telegram Bot API: python-telegram-bot's Bot, called synchronously.

Django views, Celery tasks and the polling command are synchronous; each call runs the library's coroutine to the
end on a private event loop. The API root is settings.TELEGRAM_API_BASE_URL (a local fake server in tests).
"""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from django.conf import settings
from telegram import Bot
from telegram.error import Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

T = TypeVar("T")

__all__ = ["Forbidden", "InvalidToken", "RetryAfter", "TelegramError", "call_bot", "retry_after_seconds"]


def _bot(token: str) -> tuple[Bot, list[HTTPXRequest]]:
    requests = [HTTPXRequest(connect_timeout=10, read_timeout=20), HTTPXRequest(read_timeout=40)]
    base_url = settings.TELEGRAM_API_BASE_URL.rstrip("/")
    bot = Bot(
        token,
        base_url=base_url,
        base_file_url=base_url.removesuffix("/bot") + "/file/bot",
        request=requests[0],
        get_updates_request=requests[1],
    )
    return bot, requests


def call_bot(token: str, action: Callable[[Bot], Awaitable[T]]) -> T:
    """Run `action(bot)` against the Bot API and return its result; the library's errors pass through."""

    async def run() -> T:
        bot, requests = _bot(token)
        await asyncio.gather(*(request.initialize() for request in requests))
        try:
            return await action(bot)
        finally:
            await asyncio.gather(*(request.shutdown() for request in requests))

    return asyncio.run(run())


def retry_after_seconds(error: RetryAfter) -> float:
    value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, datetime.timedelta) else float(value)
