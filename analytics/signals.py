"""Mark the days whose roll-ups must be recomputed, from the domain events of the writes that change their raw data.

Every write the roll-ups count is announced after commit: checks (visits and their points) by checks_applied,
bonuses and grants by points_granted, redemptions, adjustments, reversals and expiry by points_changed, new guests
by guest_registered, receipts the drain finished (the guest-less checks' totals) by receipts_processed.
No ORM signal is used: set-based writes (the POS drain's) skip them. The scheduled roll-up still recomputes today
and yesterday, for bulk loads that bypass the services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.dispatch import receiver

from analytics.rollups import mark_day_changed
from guests.events import guest_registered
from guests.models import Guest
from loyalty.events import checks_applied, points_changed, points_granted
from loyalty.models import LedgerEntry
from pos.events import ProcessedReceipt, receipts_processed


def _mark_days(moments: Iterable[dt.datetime | None]) -> None:
    """One mark per UTC date among `moments` (a batch of thousands of rows touches a day or two)."""
    days: dict[dt.date, dt.datetime] = {}
    for at in moments:
        if at is not None:
            days.setdefault(at.astimezone(dt.UTC).date(), at)
    for at in days.values():
        mark_day_changed(at)


@receiver(checks_applied, dispatch_uid="analytics-checks-applied")
def checks_written(sender: type, applied: list[tuple[Guest, Any]], **_kwargs: Any) -> None:
    _mark_days(
        at
        for _guest, outcome in applied
        for at in (outcome.visit.visited_at if outcome.visit else None, *(e.created_at for e in outcome.entries))
    )


@receiver(points_granted, dispatch_uid="analytics-points-granted")
@receiver(points_changed, dispatch_uid="analytics-points-changed")
def ledger_entries_written(sender: type, entries: list[LedgerEntry], **_kwargs: Any) -> None:
    _mark_days(entry.created_at for entry in entries)


@receiver(guest_registered, dispatch_uid="analytics-guest-registered")
def guest_added(sender: type, guest: Guest, **_kwargs: Any) -> None:
    mark_day_changed(guest.created_at)


@receiver(receipts_processed, dispatch_uid="analytics-receipts-processed")
def receipts_finished(sender: type, receipts: list[ProcessedReceipt], **_kwargs: Any) -> None:
    """A guest-less sale counts in its day's other checks; a receipt that found its guest on a rerun leaves them."""
    _mark_days(receipt.received_at for receipt in receipts)
