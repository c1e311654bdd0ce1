"""A drain: what a drain task runs. Batches until no receipt is due or the time budget is spent; a part batch
waits a moment for arrivals, and an empty one lingers for POS_DRAIN_LINGER_SECONDS before the drain ends."""

from __future__ import annotations

import time

from django.core.cache import cache

from pos.services.receipts.batches import BATCH_SIZE, process_pending_receipts
from pos.services.receipts.scheduling import DRAIN_FLAG_SECONDS, drain_flag, drain_linger_seconds, widen

LINGER_LOOK_SECONDS = 0.05


def drain_pending_receipts(
    *, slot: int = 0, time_budget_seconds: float = 20.0, batch_size: int = BATCH_SIZE, linger: bool = True
) -> tuple[int, bool]:
    """Process batches until none is left or the budget is spent; (receipts handled, whether more remain).

    Drains run side by side (SKIP LOCKED gives each its own receipts); `slot` names this one's flag.
    """
    deadline = time.monotonic() + time_budget_seconds
    handled = 0
    while True:
        cache.set(drain_flag(slot), 1, timeout=DRAIN_FLAG_SECONDS)  # still running: keep the flag alive
        count = process_pending_receipts(limit=batch_size)
        handled += count
        if count == batch_size:
            widen(slot)
        elif count and drain_linger_seconds():
            # A part batch: let arrivals gather for a moment. A batch costs about the same few statements and one
            # commit whatever its size, so a drain spinning on one or two receipts would eat the CPU that the
            # webhooks need; waiting a few milliseconds turns a trickle into batches.
            time.sleep(LINGER_LOOK_SECONDS)
        if count == 0:
            # Arrivals from now on queue a fresh drain, or count on this one while it lingers (see
            # scheduling._queue_drain); the looks while lingering also close the race with arrivals just before
            # the flag went.
            cache.delete(drain_flag(slot))
            count = _linger(batch_size) if linger else process_pending_receipts(limit=batch_size)
            handled += count
            if count == 0:
                return handled, False
        if time.monotonic() > deadline:
            return handled, True


def _linger(batch_size: int) -> int:
    """Look for receipts until POS_DRAIN_LINGER_SECONDS have passed; what the first fruitful look handled (0: none).
    The last look starts after the time is up, so it sees every receipt committed before then."""
    until = time.monotonic() + drain_linger_seconds()
    while True:
        time_is_up = time.monotonic() >= until
        count = process_pending_receipts(limit=batch_size)
        if count or time_is_up:
            return count
        time.sleep(LINGER_LOOK_SECONDS)
