"""Marketing yields to the tills: the one rule that holds campaigns and other marketing messages back while the POS
is busy, as email platforms put transactional traffic first.

The tills are busy while POS pushes, across every chain (maxloyalty.pos_traffic, counted at the webhook door), come
at MESSAGING_YIELD_TO_POS_PER_SECOND or more (0: never busy, marketing always at full speed). While they are busy,
work that can wait is put back on the queue with a countdown instead of running, so no worker sleeps and the
transactional messages queued behind it (receipts, codes) go on at once:
- a batch of marketing messages about to be handed to providers is queued again MESSAGE_HOLD_SECONDS later, then
  twice as long each time (its transactional messages go now);
- a campaign batch about to be written (and, in the first, its audience split) the same from BATCH_HOLD_SECONDS.
Each carries how often it was held; after MAX_HOLDS it runs anyway, so a campaign goes on, in steps, through a long
rush instead of stalling. Nothing is skipped or repeated: held messages stay queued and are claimed by the delivery's
own rules when they run. Global, not per chain: the workers and the database are shared by every chain.

The verdict is kept in the process for VERDICT_SECONDS (one Redis read per process and period, not per message).
"""

from __future__ import annotations

import time

from django.conf import settings

from maxloyalty.pos_traffic import pos_pushes_per_second

MESSAGE_HOLD_SECONDS = 2.0  # the first hold of a delivery batch; each next one twice as long, LONGEST_HOLD at most
BATCH_HOLD_SECONDS = 5.0  # the same for a campaign batch
LONGEST_HOLD_SECONDS = 30.0
MAX_HOLDS = 12  # then it goes: a delivery batch is held about 4.5 minutes at most, a campaign batch about 5
VERDICT_SECONDS = 0.1

_verdict: dict[str, float] = {"until": 0.0, "busy": 0.0}


def tills_are_busy() -> bool:
    """Whether the POS pushes come at MESSAGING_YIELD_TO_POS_PER_SECOND or more (checked at most every
    VERDICT_SECONDS in this process)."""
    threshold = settings.MESSAGING_YIELD_TO_POS_PER_SECOND
    if threshold <= 0:
        return False
    now = time.monotonic()
    if now >= _verdict["until"]:
        _verdict["busy"] = float(pos_pushes_per_second() >= threshold)
        _verdict["until"] = now + VERDICT_SECONDS
    return bool(_verdict["busy"])


def hold_seconds(first: float, holds: int) -> float:
    """How long work held `holds` times already waits now: doubling from `first` (a rush's first seconds cost
    little), LONGEST_HOLD_SECONDS at most (every held batch of a long rush is looked at twice a minute, not every
    few seconds: the looking costs the tills' CPU too)."""
    return min(first * 2.0**holds, LONGEST_HOLD_SECONDS)


def holds_back(holds: int) -> bool:
    """Whether work held `holds` times already is to be queued again now (the tills busy, MAX_HOLDS not reached)."""
    return holds < MAX_HOLDS and tills_are_busy()
