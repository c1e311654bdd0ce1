"""The one way we talk to the Telegram Bot API: python-telegram-bot's Bot, called synchronously.

Django views, Celery tasks and the polling command are synchronous. The process keeps one Bot per token and API
root (settings.TELEGRAM_API_BASE_URL, a local fake server in tests), with its pair of HTTPXRequest whose httpx
clients keep their connections alive, on one private event loop running in a daemon thread of its own. call_bot
hands the coroutine to that loop and waits for the result, so any thread may call it and a broadcast sends every
message over the same connections instead of opening new ones per message.

The loop starts on the first call; at most MAX_BOTS bots are kept (the least recently used idle one is shut down).
Everything is closed at interpreter exit, and a forked child (Celery's prefork pool) forgets the parent's loop and
clients without touching them and starts its own.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import datetime
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from telegram import Bot
from telegram.error import Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

T = TypeVar("T")

# python-telegram-bot 22 moves durations (RetryAfter.retry_after, ...) from seconds to datetime.timedelta and warns
# on every read until a process opts in. Opt in (unless the environment decided): retry_after_seconds takes both.
os.environ.setdefault("PTB_TIMEDELTA", "true")

__all__ = [
    "Forbidden",
    "InvalidToken",
    "RetryAfter",
    "TelegramError",
    "call_bot",
    "close_bots",
    "retry_after_seconds",
]

logger = logging.getLogger(__name__)

MAX_BOTS = 64  # a worker sending for many chains keeps this many bots (and their idle connections) at most
CLOSE_TIMEOUT_SECONDS = 5.0


@dataclass(eq=False)
class _CachedBot:
    bot: Bot
    requests: tuple[HTTPXRequest, HTTPXRequest]
    ready: asyncio.Task[Any]
    calls_in_flight: int = 0

    async def shutdown(self) -> None:
        await asyncio.gather(*(request.shutdown() for request in self.requests), return_exceptions=True)


def _new_bot(token: str, base_url: str) -> tuple[Bot, tuple[HTTPXRequest, HTTPXRequest]]:
    requests = (HTTPXRequest(connect_timeout=10, read_timeout=20), HTTPXRequest(read_timeout=40))
    bot = Bot(
        token,
        base_url=base_url,
        base_file_url=base_url.removesuffix("/bot") + "/file/bot",
        request=requests[0],
        get_updates_request=requests[1],
    )
    return bot, requests


@dataclass(eq=False)
class _BotLoop:
    """The process's event loop thread and the bots that live on it. Only the loop's thread touches `bots`."""

    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    bots: OrderedDict[tuple[str, str], _CachedBot] = field(default_factory=OrderedDict)
    closing: set[asyncio.Task[Any]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)  # guards `closed` and submissions
    closed: bool = False
    thread: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._run_forever, name="telegram-bot-loop", daemon=True)
        self.thread.start()

    def _run_forever(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def call(self, token: str, base_url: str, action: Callable[[Bot], Awaitable[T]]) -> T:
        with self.lock:
            if self.closed:
                raise RuntimeError("The Telegram client is closed")
            future = asyncio.run_coroutine_threadsafe(self._call(token, base_url, action), self.loop)
        try:
            return future.result()
        except BaseException:  # e.g. Ctrl+C while waiting: stop the request instead of leaving it running
            future.cancel()
            raise

    async def _call(self, token: str, base_url: str, action: Callable[[Bot], Awaitable[T]]) -> T:
        cached = self._cached_bot((token, base_url))
        cached.calls_in_flight += 1
        try:
            await asyncio.shield(cached.ready)
            return await action(cached.bot)
        finally:
            cached.calls_in_flight -= 1
            self._shut_down_idle_beyond_limit()

    def _cached_bot(self, key: tuple[str, str]) -> _CachedBot:
        cached = self.bots.get(key)
        if cached is None or (cached.ready.done() and (cached.ready.cancelled() or cached.ready.exception())):
            bot, requests = _new_bot(*key)
            ready = self.loop.create_task(_initialize(requests))
            cached = self.bots[key] = _CachedBot(bot=bot, requests=requests, ready=ready)
        self.bots.move_to_end(key)
        return cached

    def _shut_down_idle_beyond_limit(self) -> None:
        idle = [key for key, cached in self.bots.items() if not cached.calls_in_flight]  # oldest first
        for key in idle[: max(len(self.bots) - MAX_BOTS, 0)]:
            task = self.loop.create_task(self.bots.pop(key).shutdown())
            self.closing.add(task)
            task.add_done_callback(self.closing.discard)

    async def _shut_down_everything(self) -> None:
        current = asyncio.current_task()
        calls = [task for task in asyncio.all_tasks() if task is not current and task not in self.closing]
        for task in calls:
            task.cancel()
        await asyncio.gather(*calls, return_exceptions=True)
        bots, self.bots = list(self.bots.values()), OrderedDict()
        await asyncio.gather(*self.closing, *(cached.shutdown() for cached in bots), return_exceptions=True)

    def close(self) -> None:
        with self.lock:
            if self.closed:
                return
            self.closed = True
        try:
            asyncio.run_coroutine_threadsafe(self._shut_down_everything(), self.loop).result(CLOSE_TIMEOUT_SECONDS)
        except (concurrent.futures.TimeoutError, RuntimeError):
            logger.warning("Telegram clients did not shut down in %s s", CLOSE_TIMEOUT_SECONDS)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(CLOSE_TIMEOUT_SECONDS)
        if not self.loop.is_running():
            self.loop.close()


async def _initialize(requests: tuple[HTTPXRequest, HTTPXRequest]) -> None:
    await asyncio.gather(*(request.initialize() for request in requests))


_lock = threading.Lock()
_bot_loop: _BotLoop | None = None
# A forked child's copies of the parent's loop and clients. Never closed or collected: their file descriptors
# (the epoll instance, the open connections) are shared with the parent, and closing them here would unregister
# the parent's sockets.
_inherited_from_parent: list[_BotLoop] = []


def _current_bot_loop() -> _BotLoop:
    global _bot_loop
    bot_loop = _bot_loop
    if bot_loop is None:
        with _lock:
            if _bot_loop is None:
                _bot_loop = _BotLoop()
            bot_loop = _bot_loop
    return bot_loop


def call_bot(token: str, action: Callable[[Bot], Awaitable[T]]) -> T:
    """Run `action(bot)` against the Bot API and return its result; the library's errors pass through."""
    base_url = settings.TELEGRAM_API_BASE_URL.rstrip("/")
    return _current_bot_loop().call(token, base_url, action)


def close_bots() -> None:
    """Shut down the process's bots, their connections and their loop (at interpreter exit; the next call_bot
    starts afresh)."""
    global _bot_loop
    with _lock:
        bot_loop, _bot_loop = _bot_loop, None
    if bot_loop is not None:
        bot_loop.close()


def _forget_parent_bots() -> None:
    """In a forked child: the parent's loop thread does not exist here, so drop (but keep alive) its state."""
    global _bot_loop, _lock
    if _bot_loop is not None:
        _inherited_from_parent.append(_bot_loop)
    _bot_loop = None
    _lock = threading.Lock()  # the parent may have held it while forking


atexit.register(close_bots)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_parent_bots)


def retry_after_seconds(error: RetryAfter) -> float:
    value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, datetime.timedelta) else float(value)
