"""A short-lived copy of hot values inside one process, in front of the shared Redis cache or the database.

Each cache reads its lifetime in seconds from a setting at every call (tests change it with override_settings);
0 or less keeps nothing. Keys of a per-schema cache carry the active chain's schema, so chains never share an entry.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.conf import settings

from maxloyalty.current_schema import current_schema_name

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Past this many entries a write first drops the expired ones (a history import marks many days, many hosts may
# be asked for): memory stays bounded by what is fresh.
PRUNE_ABOVE_ENTRIES = 1000

_every_cache: weakref.WeakSet[LocalTTLCache[object, object]] = weakref.WeakSet()


class LocalTTLCache(Generic[K, V]):
    """Values kept in this process for `settings.<ttl_setting>` seconds after they were set."""

    def __init__(self, ttl_setting: str, *, per_schema: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_setting = ttl_setting
        self.per_schema = per_schema
        self.clock = clock  # a test may replace it to move time on
        self._entries: dict[Hashable, tuple[float, V]] = {}
        _every_cache.add(self)  # type: ignore[arg-type]  # one set for caches of every key and value type

    @property
    def ttl_seconds(self) -> float:
        seconds: float = getattr(settings, self.ttl_setting)
        return seconds

    def _full_key(self, key: K) -> Hashable:
        return (current_schema_name(), key) if self.per_schema else key

    def get(self, key: K) -> V | None:
        """The kept value while it is fresh, else None (always None while the lifetime is 0)."""
        if self.ttl_seconds <= 0:
            return None
        found = self._entries.get(self._full_key(key))
        if found is None or found[0] <= self.clock():
            return None
        return found[1]

    def set(self, key: K, value: V) -> None:
        ttl_seconds = self.ttl_seconds
        if ttl_seconds <= 0:
            return
        now = self.clock()
        if len(self._entries) > PRUNE_ABOVE_ENTRIES:
            # list(): a snapshot, other threads may write meanwhile; pop(): or delete the same entry.
            for stale, (expires_at, _value) in list(self._entries.items()):
                if expires_at <= now:
                    self._entries.pop(stale, None)
        self._entries[self._full_key(key)] = (now + ttl_seconds, value)

    def invalidate(self, key: K) -> None:
        """Forget one key (of the active schema, for a per-schema cache): this process sees a change at once."""
        self._entries.pop(self._full_key(key), None)

    def clear(self) -> None:
        """Forget every entry, of every schema."""
        self._entries.clear()

    def __len__(self) -> int:
        """Entries held, fresh or not yet pruned, of every schema."""
        return len(self._entries)


def clear_local_caches() -> None:
    """Empty every LocalTTLCache of this process (tests, between cases)."""
    for cache in list(_every_cache):
        cache.clear()
