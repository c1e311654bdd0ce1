"""Asking for processing: a drain task queued after commit, one per chain at a time (a Redis flag), another beside
it while a backlog lasts (up to POS_DRAIN_PARALLELISM), and a delayed one for when failed receipts are due."""

from __future__ import annotations

import math
import time
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from maxloyalty.current_schema import current_schema_name
from maxloyalty.task_queue import enqueue, enqueue_after_commit

DRAIN_TASK = "pos.tasks.drain_receipts"
DRAIN_FLAG = "pos:drain-requested"
DRAIN_FLAG_SECONDS = 30


def request_processing() -> None:
    """After commit, make sure a drain task is queued for this chain (one queued at a time for new arrivals)."""
    transaction.on_commit(_queue_drain)


def drain_flag(slot: int) -> str:
    """The cache key saying that drain `slot` of the current chain is queued or running (tenant-aware cache)."""
    return f"{DRAIN_FLAG}:{slot}"


def drain_linger_seconds() -> float:
    """POS_DRAIN_LINGER_SECONDS, or 0 when Celery runs tasks eagerly (development without Redis): a drain then runs
    inside the request that queued it, which must not wait, and no webhook may count on a lingering drain."""
    return 0.0 if settings.CELERY_TASK_ALWAYS_EAGER else settings.POS_DRAIN_LINGER_SECONDS


# When this process last saw the chain's drain flag set (by schema): a drain was queued or running then, and it
# keeps looking for POS_DRAIN_LINGER_SECONDS after it clears the flag, so for half that time a webhook can count
# on it without asking Redis.
_flag_seen_at: dict[str, float] = {}


def _queue_drain() -> None:
    schema, now = current_schema_name(), time.monotonic()
    if now - _flag_seen_at.get(schema, -math.inf) < drain_linger_seconds() / 2:
        return
    # SET NX in Redis (tenant-aware key): a webhook costs one cheap Redis call instead of a task per check.
    if cache.add(drain_flag(0), 1, timeout=DRAIN_FLAG_SECONDS):
        enqueue(DRAIN_TASK)
    _flag_seen_at[schema] = now


def widen(slot: int) -> None:
    """A full batch means a backlog: ask for one more drain beside this one, up to POS_DRAIN_PARALLELISM."""
    following = slot + 1
    if following < settings.POS_DRAIN_PARALLELISM and cache.add(drain_flag(following), 1, timeout=DRAIN_FLAG_SECONDS):
        enqueue(DRAIN_TASK, slot=following)


def schedule_retry(when: datetime, now: datetime) -> None:
    """Retries do not wait for beat's next tick: a drain is queued (after commit) for when the first of them is
    due."""
    seconds = max((when - now).total_seconds(), 1.0)
    # One delayed drain per half-minute of due times, however many batches had failures (backoff is >= 30 s).
    if cache.add(f"pos:retry-drain:{int(when.timestamp()) // 30}", 1, timeout=int(seconds) + 60):
        enqueue_after_commit(DRAIN_TASK, countdown=seconds)
