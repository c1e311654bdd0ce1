"""Named domain events: a service announces what happened, and other apps' receivers act on it.

Each app declares its events in its own `events.py` (Signal objects and their payload, nothing else), so a
receiver imports the event, never the service that sends it, and a lower app never imports a higher one to
cause a side effect. ORM signals (post_save, ...) are kept only for cache invalidation: set-based writes skip
them. `emit_after_commit` sends once the surrounding transaction has committed (at once outside one), so a
receiver never acts on a write that is rolled back.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import Signal


def emit_after_commit(event: Signal, *, sender: type, **payload: Any) -> None:
    """Send `event` with `payload` after the current transaction commits (now when no transaction is open)."""
    transaction.on_commit(lambda: event.send(sender=sender, **payload))
