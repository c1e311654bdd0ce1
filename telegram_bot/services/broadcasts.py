"""Campaign broadcasts: a message to a segment of consenting guests, sent now or later, cancellable midway."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.services import record_audit
from billing.limits import Limit, record_messages_sent, require_allowed
from maxloyalty.task_queue import enqueue_after_commit
from telegram_bot.errors import BroadcastFinished
from telegram_bot.models import Broadcast, BroadcastStatus, Delivery, DeliveryStatus, MessageKind
from telegram_bot.selectors import segment_guests
from telegram_bot.services.notifications import queue_message

if TYPE_CHECKING:
    from accounts.models import User

BROADCAST_FIELDS = (
    "text",
    "image_url",
    "button_text",
    "button_url",
    "level",
    "tags",
    "last_visit_from",
    "last_visit_to",
    "birthday_month",
)


@transaction.atomic
def create_broadcast(*, actor: User | None, send_at: datetime.datetime | None = None, **fields: Any) -> Broadcast:
    values = {name: fields[name] for name in BROADCAST_FIELDS if name in fields and fields[name] is not None}
    broadcast = Broadcast.objects.create(created_by=actor, send_at=send_at or timezone.now(), **values)
    require_allowed(None, Limit.MESSAGES, adding=segment_guests(broadcast).count())
    record_audit(
        action="telegram.broadcast_created",
        actor=actor,
        target=broadcast,
        data={"send_at": broadcast.send_at.isoformat(), "text": broadcast.text[:200]},
    )
    if broadcast.send_at <= timezone.now():
        enqueue_after_commit("telegram_bot.tasks.start_broadcast", broadcast_id=broadcast.pk)
    return broadcast


@transaction.atomic
def run_broadcast(*, broadcast_id: int) -> int:
    """Claim a due broadcast once and queue one message per guest of its segment; returns how many."""
    claimed = Broadcast.objects.filter(
        pk=broadcast_id, status=BroadcastStatus.SCHEDULED, send_at__lte=timezone.now()
    ).update(status=BroadcastStatus.SENDING, started_at=timezone.now())
    if claimed != 1:
        return 0
    broadcast = Broadcast.objects.get(pk=broadcast_id)
    queued = 0
    # The segment only holds guests with a chat: read it in the same query instead of once per recipient.
    for guest in segment_guests(broadcast).select_related("telegram_chat").iterator(chunk_size=1000):
        delivery = queue_message(
            guest=guest,
            kind=MessageKind.BROADCAST,
            text=broadcast.text,
            dedupe_key=f"broadcast:{broadcast.pk}:{guest.pk}",
            broadcast=broadcast,
            chat=guest.telegram_chat,
        )
        queued += delivery is not None
    Broadcast.objects.filter(pk=broadcast.pk).update(total=queued)
    record_messages_sent(None, queued)
    if not queued:
        Broadcast.objects.filter(pk=broadcast.pk).update(status=BroadcastStatus.DONE, finished_at=timezone.now())
    return queued


def count_broadcast_delivery(*, broadcast_id: int, sent: bool) -> None:
    """One more of the broadcast's messages sent or failed (notifications.deliver's outcome says which); the last
    one marks the broadcast done."""
    counter = "sent" if sent else "failed"
    Broadcast.objects.filter(pk=broadcast_id).update(**{counter: F(counter) + 1})
    Broadcast.objects.filter(
        pk=broadcast_id, status=BroadcastStatus.SENDING, total__lte=F("sent") + F("failed")
    ).update(status=BroadcastStatus.DONE, finished_at=timezone.now())


@transaction.atomic
def cancel_broadcast(*, broadcast: Broadcast, actor: User | None) -> Broadcast:
    """Stop a scheduled or running broadcast: messages not yet sent are dropped from the queue."""
    locked = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
    if not locked.is_cancellable:
        raise BroadcastFinished()
    dropped = Delivery.objects.filter(broadcast=locked, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.FAILED, reason="Broadcast cancelled"
    )
    locked.status, locked.finished_at = BroadcastStatus.CANCELLED, timezone.now()
    locked.save(update_fields=["status", "finished_at"])
    record_audit(
        action="telegram.broadcast_cancelled",
        actor=actor,
        target=locked,
        data={"sent": locked.sent, "dropped": dropped},
    )
    return locked
