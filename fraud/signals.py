"""The per-guest fraud rules follow loyalty's events: after checks are applied the guests are noted for the rules
(fraud.services.note_checked_guests: one Redis SADD, one task for many batches); after points change by a reversal
(a refund), a task is queued for the guests concerned. The events are sent after commit, so the POS drain and the
till pay only for that; the rules run in the worker (fraud.tasks.check_guests_task)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from fraud.services import note_checked_guests
from loyalty.events import checks_applied, points_changed
from loyalty.models import EntryKind
from maxloyalty.task_queue import enqueue

TASK = "fraud.tasks.check_guests_task"


@receiver(checks_applied, dispatch_uid="fraud-after-checks")
def check_guests_after_checks(sender: Any, applied: list[tuple[Any, Any]], **_kwargs: Any) -> None:
    guest_ids = sorted({guest.pk for guest, _outcome in applied if not getattr(guest, "is_test", False)})
    if guest_ids:
        note_checked_guests(guest_ids=guest_ids)


@receiver(points_changed, dispatch_uid="fraud-after-refunds")
def check_guests_after_refunds(sender: Any, entries: list[Any], **_kwargs: Any) -> None:
    guest_ids = sorted(
        {entry.guest_id for entry in entries if entry.kind == EntryKind.REVERSAL and entry.shortfall_points > 0}
    )
    if guest_ids:
        enqueue(TASK, guest_ids=guest_ids, after_refund=True)
