"""Keeping the liability snapshot fresh: computing analytics.liability.liability_summary in the background and
storing it (analytics.models.LiabilitySnapshot), so the liability page and API answer at once at any size.

At 10M ledger entries the summary reads the whole ledger (the cohorts' FIFO offsets need every guest's history;
about a minute, docs/benchmarks.md). The page and the API show the newest snapshot with its time; one older than
LIABILITY_SNAPSHOT_MAX_AGE_SECONDS, a missing one, or the owner's "Recalculate" queues a refresh, at most one at a
time per chain (a cache lock held while it runs). The beat refreshes every chain each night besides.

The lock belongs to one refresh: its value is a token the queued task carries, and only the holder of that token
frees it. A refresh started without one (the nightly beat) takes the lock itself, and skips when another refresh
holds it, since that one is computing the same figures.
"""

from __future__ import annotations

import time

from django.conf import settings

from analytics.liability import LiabilityView, latest_liability, liability_summary
from analytics.models import LiabilitySnapshot
from analytics.periods import chain_time_zone
from maxloyalty.cache_locks import free_lock, lock_is_held, take_lock
from maxloyalty.task_queue import enqueue

SNAPSHOTS_KEPT = 2
REFRESH_LOCK = "analytics:liability-refresh"
REFRESH_TASK = "analytics.tasks.refresh_liability_snapshot"


def refresh_is_running() -> bool:
    return lock_is_held(REFRESH_LOCK)


def request_liability_refresh() -> bool:
    """Queue a refresh unless one is queued or running (the per-chain cache is the lock); whether it was queued."""
    token = _take_lock()
    if token is None:
        return False
    try:
        enqueue(REFRESH_TASK, lock_token=token)
    except Exception:
        _free_lock(token)
        raise
    return True


def _take_lock() -> str | None:
    return take_lock(REFRESH_LOCK, seconds=settings.LIABILITY_REFRESH_LOCK_SECONDS)


def _free_lock(token: str) -> None:
    free_lock(REFRESH_LOCK, token)


def liability_to_show() -> tuple[LiabilityView | None, bool]:
    """What the page and the API show: the newest snapshot (None before the first is ready) and whether a refresh
    is queued or running. A missing or stale snapshot queues one (with eager tasks, as in tests, it is ready at once)."""
    shown = latest_liability()
    if shown is None or shown.is_stale:
        request_liability_refresh()
        if shown is None:
            shown = latest_liability()
    return shown, refresh_is_running()


def refresh_liability_snapshot(*, lock_token: str | None = None) -> LiabilitySnapshot | None:
    """Compute the summary now and store it as the newest snapshot (older ones beyond SNAPSHOTS_KEPT removed).
    `lock_token`: the lock request_liability_refresh took for this run; without one the run takes the lock itself
    and returns None, computing nothing, when another refresh holds it."""
    token = lock_token or _take_lock()
    if token is None:
        return None
    began = time.monotonic()
    try:
        summary = liability_summary(chain_time_zone())
        snapshot = LiabilitySnapshot.objects.create(summary=summary, seconds=round(time.monotonic() - began, 3))
        kept = LiabilitySnapshot.objects.order_by("-computed_at", "-id").values_list("id", flat=True)[:SNAPSHOTS_KEPT]
        LiabilitySnapshot.objects.exclude(id__in=list(kept)).delete()
    finally:
        _free_lock(token)
    return snapshot
