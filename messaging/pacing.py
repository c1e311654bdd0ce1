"""Marketing yields to the tills: the one rule that slows campaigns and other marketing messages while the POS is
busy, as email platforms put transactional traffic first.

The tills are busy while POS pushes, across every chain (maxloyalty.pos_traffic, counted at the webhook door), come
at MESSAGING_YIELD_TO_POS_PER_SECOND or more (0: never busy, marketing always at full speed). While they are busy,
each marketing message waits for them to calm down before it is handed to its provider, MESSAGE_YIELD_SECONDS at
most (then it goes anyway, so a campaign trickles on through a long rush instead of stalling), and each campaign
batch, and each chunk of a campaign's audience split, waits BATCH_YIELD_SECONDS at most before it is written. Transactional messages (receipts, codes) never wait.
Nothing is skipped or repeated: the wait comes before the message is claimed, so the delivery's own claim and
dedupe rules are unchanged. Global, not per chain: the workers and the database are shared by every chain.

The verdict is kept in the process for VERDICT_SECONDS (one Redis read per process and period, not per message).
"""

from __future__ import annotations

import time

from django.conf import settings

from maxloyalty.pos_traffic import pos_pushes_per_second

MESSAGE_YIELD_SECONDS = 1.0
# A batch writes 200 messages, which go out at about one a second per worker process while the tills stay busy: a
# batch waits longer, so the writing keeps roughly in step with that trickle (and a 100,000-guest split, about 11 s
# of work in 20 chunks on a 2-core host, is not written through a rush).
BATCH_YIELD_SECONDS = 60.0
VERDICT_SECONDS = 0.1
_POLL_SECONDS = 0.1

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


def yield_to_tills(*, at_most: float) -> float:
    """Wait while the tills are busy, `at_most` seconds; the seconds waited (0 at once when they are not)."""
    began = time.monotonic()
    while tills_are_busy() and (waited := time.monotonic() - began) < at_most:
        time.sleep(min(_POLL_SECONDS, at_most - waited))
    return time.monotonic() - began


def before_marketing_message() -> float:
    """Called before a marketing message is claimed for delivery; the seconds it yielded."""
    return yield_to_tills(at_most=MESSAGE_YIELD_SECONDS)


def before_campaign_batch() -> float:
    """Called before a campaign batch (or a chunk of its audience split) is written; the seconds it yielded."""
    return yield_to_tills(at_most=BATCH_YIELD_SECONDS)
