"""Events of messaging (see maxloyalty/events.py): what its services announce to other apps.

Sent after commit (maxloyalty.events.emit_after_commit), once per message that reached the state.
"""

from __future__ import annotations

from django.dispatch import Signal

# Messages that did not reach the guest: the provider refused them, or was unavailable until the last attempt,
# or reported them failed (an SMS status callback) or bounced (a hard bounce of an email) later.
# kwargs: messages = [messaging.models.Message, ...] (status failed or bounced, reason set), never empty.
messages_failed = Signal()
