"""Marketing yields to the tills: the one rule that holds campaigns and other marketing messages back while the POS
is busy, as email platforms put transactional traffic first.

The tills are busy while POS pushes, across every chain (maxloyalty.pos_traffic, counted at the webhook door), come
at MESSAGING_YIELD_TO_POS_PER_SECOND or more (0: never busy, marketing always at full speed). While they are busy,
work that can wait is put back on the queue with a countdown instead of running, so no worker sleeps and the
transactional messages queued behind it (receipts, codes) go on at once:
- a batch of marketing messages about to be handed to providers is queued again MESSAGE_HOLD_SECONDS later (its
  transactional messages go now);
- a campaign batch about to be written (and, in the first, its audience split) is queued again BATCH_HOLD_SECONDS
  later.
Each carries how often it was held; after MAX_HOLDS it runs anyway, so a campaign goes on, in steps, through a long
rush instead of stalling. Nothing is skipped or repeated: held messages stay queued and are claimed by the delivery's
own rules when they run. Global, not per chain: the workers and the database are shared by every chain.

The verdict is kept in the process for VERDICT_SECONDS (one Redis read per process and period, not per message).
"""

from __future__ import annotations

import time

from django.conf import settings

from maxloyalty.pos_traffic import pos_pushes_per_second

MESSAGE_HOLD_SECONDS = 2.0
BATCH_HOLD_SECONDS = 5.0
MAX_HOLDS = 12  # at most about 24 s for a message batch and a minute for a campaign batch, then it goes
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


def holds_back(holds: int) -> bool:
    """Whether work held `holds` times already is to be queued again now (the tills busy, MAX_HOLDS not reached)."""
    return holds < MAX_HOLDS and tills_are_busy()
