"""django-redis' client, counting the cache's reads as hits and misses (maxloyalty_cache_reads_total{cache,result}).

Settings name it as each Redis cache's CLIENT_CLASS; the cache's name comes from its METRICS_NAME (default,
platform). The development fallback's database cache is not counted.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.core.cache.backends.base import BaseCache
from django_redis.client import DefaultClient

from observability.metrics import CACHE_READS

_MISSING = object()


class CountingClient(DefaultClient):  # type: ignore[misc]  # django-redis ships no types: its client is Any
    def __init__(self, server: Any, params: dict[str, Any], backend: BaseCache) -> None:
        super().__init__(server, params, backend)
        name = str(params.get("METRICS_NAME", "default"))
        self._hits = CACHE_READS.labels(cache=name, result="hit")
        self._misses = CACHE_READS.labels(cache=name, result="miss")

    def get(self, key: str, default: Any = None, version: int | None = None, client: Any = None) -> Any:
        value = super().get(key, default=_MISSING, version=version, client=client)
        if value is _MISSING:
            self._misses.inc()
            return default
        self._hits.inc()
        return value

    def get_many(self, keys: Collection[str], version: int | None = None, client: Any = None) -> dict[str, Any]:
        found: dict[str, Any] = super().get_many(keys, version=version, client=client)
        if found:
            self._hits.inc(len(found))
        if len(keys) > len(found):
            self._misses.inc(len(keys) - len(found))
        return found
