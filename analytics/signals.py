"""Mark a day's roll-up dirty when its raw data changes (connected in AnalyticsConfig.ready)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from analytics.rollups import mark_day_changed
from guests.models import Guest, Visit
from loyalty.events import checks_applied
from loyalty.models import LedgerEntry
from pos.models import Receipt, ReceiptStatus


@receiver(post_save, sender=Visit)
@receiver(post_delete, sender=Visit)
def visit_changed(sender: type, instance: Visit, **kwargs: Any) -> None:
    mark_day_changed(instance.visited_at)


@receiver(post_save, sender=LedgerEntry)
def ledger_entry_added(sender: type, instance: LedgerEntry, created: bool, **kwargs: Any) -> None:
    if created:  # later saves only move bookkeeping fields, never amounts
        mark_day_changed(instance.created_at)


@receiver(post_save, sender=Guest)
def guest_added(sender: type, instance: Guest, created: bool, **kwargs: Any) -> None:
    if created:
        mark_day_changed(instance.created_at)


@receiver(post_delete, sender=LedgerEntry)
@receiver(post_delete, sender=Guest)
def row_deleted(sender: type, instance: LedgerEntry | Guest, **kwargs: Any) -> None:
    mark_day_changed(instance.created_at)


@receiver(checks_applied, dispatch_uid="analytics-checks-applied")
def checks_written(sender: type, applied: list[tuple[Guest, Any]], **kwargs: Any) -> None:
    """Checks of a POS batch are written with bulk inserts (no post_save): mark each day they touched once."""
    days = {}
    for _guest, outcome in applied:
        for at in (outcome.visit.visited_at, *(entry.created_at for entry in outcome.entries)):
            days.setdefault(at.astimezone(dt.UTC).date(), at)
    for at in days.values():
        mark_day_changed(at)


@receiver(post_save, sender=Receipt)
def receipt_processed(sender: type, instance: Receipt, **kwargs: Any) -> None:
    if instance.status == ReceiptStatus.PROCESSED and instance.guest_id is None:
        mark_day_changed(instance.received_at)
