"""How busy the tills are: POS pushes per second across every chain of this deployment, counted at the door (the
WSGI intake, pos.webhook_intake) and read by the work that yields to them (messaging.pacing).

Counting costs a webhook nothing measurable: each process adds its pushes up in memory per quarter second and hands
the sum to Redis (one INCRBY and EXPIRE in one round trip) when the next quarter begins, or sooner once FLUSH_EVERY
pushes are waiting, so a rush is seen within a few hundredths of a second while a process writes Redis at most
a few dozen times a second whatever its traffic. The rate is read over the last second and the current quarter
(every process's sums). Global, not per chain: the workers and the database are shared by every chain, so any
chain's tills matter. Without Redis (the development fallback) nothing is counted and the rate is 0.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

from django.core.cache import caches

logger = logging.getLogger(__name__)

BUCKET_SECONDS = 0.25
WINDOW_BUCKETS = 4  # the rate is read over the last complete second, and the current quarter so far
FLUSH_EVERY = 25  # pushes a process keeps before it hands them over within a quarter
_KEY = "pos-traffic"
_KEEP_SECONDS = 10


def _redis() -> Any:
    """The platform cache's Redis client, or None without Redis."""
    try:
        from django_redis import get_redis_connection

        return get_redis_connection("platform")
    except (NotImplementedError, ImportError):  # the development fallback: the cache in PostgreSQL
        return None


def _bucket_key(bucket: int) -> str:
    return str(caches["platform"].make_key(f"{_KEY}:{bucket}"))


def _bucket_of(moment: float) -> int:
    return math.floor(moment / BUCKET_SECONDS)


class _ProcessCount:
    """This process's pushes of the current quarter second, handed to Redis when the next quarter begins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bucket = 0
        self._count = 0  # not handed over yet

    def note(self, moment: float) -> None:
        bucket = _bucket_of(moment)
        with self._lock:
            if bucket == self._bucket:
                self._count += 1
                if self._count < FLUSH_EVERY:
                    return
                handed = (bucket, self._count)
                self._count = 0
            else:
                handed = (self._bucket, self._count)
                self._bucket, self._count = bucket, 1
        if handed[1]:
            _add(*handed)


_process_count = _ProcessCount()


def _add(bucket: int, count: int) -> None:
    try:
        redis = _redis()
        if redis is None:
            return
        key = _bucket_key(bucket)
        pipeline = redis.pipeline(transaction=False)
        pipeline.incrby(key, count)
        pipeline.expire(key, _KEEP_SECONDS)
        pipeline.execute()
    except Exception:  # never fail or slow a till's webhook over a count
        logger.debug("POS traffic: a count was not stored", exc_info=True)


def note_pos_push() -> None:
    """One POS push arrived (any inbound POS request, at the door)."""
    _process_count.note(time.time())


def pos_pushes_per_second(now: float | None = None) -> float:
    """POS pushes per second over the last second and the current quarter, every process of the deployment
    together."""
    moment = time.time() if now is None else now
    current = _bucket_of(moment)
    try:
        redis = _redis()
        if redis is None:
            return 0.0
        counts = redis.mget([_bucket_key(bucket) for bucket in range(current - WINDOW_BUCKETS, current + 1)])
    except Exception:  # Redis unreachable: nothing known, nothing held back
        logger.warning("POS traffic: the rate could not be read", exc_info=True)
        return 0.0
    seconds = WINDOW_BUCKETS * BUCKET_SECONDS + (moment - current * BUCKET_SECONDS)
    return sum(int(count) for count in counts if count is not None) / seconds
