"""Each process keeps its providers' HTTP clients, so a campaign's messages reuse keep-alive connections instead of
opening one per message.

Clients are kept per key (the API root and credentials), at most MAX_CLIENTS (the least recently used is closed).
A forked child (Celery's prefork pool) forgets the parent's clients without closing them (their sockets are the
parent's) and opens its own.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_CLIENTS = 64  # a worker sending for many chains keeps this many clients (and their idle connections) at most


class ClientCache(Generic[T]):
    def __init__(self, *, close: Callable[[T], None], limit: int = MAX_CLIENTS) -> None:
        self._close = close
        self._limit = limit
        self._clients: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()
        os.register_at_fork(after_in_child=self._forget)

    def get(self, key: Hashable, create: Callable[[], T]) -> T:
        with self._lock:
            client = self._clients.pop(key, None)
            if client is None:
                client = create()
            self._clients[key] = client  # the most recently used is last
            evicted = [self._clients.popitem(last=False)[1] for _ in range(len(self._clients) - self._limit)]
        for old in evicted:
            self._close(old)
        return client

    def clear(self) -> None:
        with self._lock:
            clients = list(self._clients.values())
            self._clients.clear()
        for client in clients:
            self._close(client)

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._clients = OrderedDict()
