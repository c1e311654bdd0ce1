"""Named domain events: a service announces what happened, and other apps' receivers act on it.

Each app declares its events in its own `events.py` (Signal objects and their payload, nothing else), so a
receiver imports the event, never the service that sends it, and a lower app never imports a higher one to
cause a side effect. ORM signals (post_save, ...) are kept only for cache invalidation: set-based writes skip
them. `emit_after_commit` sends once the surrounding transaction has committed (at once outside one), so a
receiver never acts on a write that is rolled back, and each receiver runs on its own: one that fails is logged
and does not keep the others from running (nor fail the caller, whose write is already committed).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)


def emit_after_commit(event: Signal, *, sender: type, **payload: Any) -> None:
    """Send `event` with `payload` after the current transaction commits (now when no transaction is open)."""
    transaction.on_commit(lambda: send_to_every_receiver(event, sender=sender, **payload))


def send_to_every_receiver(event: Signal, *, sender: type, **payload: Any) -> None:
    """Run every receiver of `event`, logging (not raising) the failure of any one of them."""
    for receiver, result in event.send_robust(sender=sender, **payload):
        if isinstance(result, Exception):
            logger.error("event receiver %s failed", getattr(receiver, "__qualname__", receiver), exc_info=result)
