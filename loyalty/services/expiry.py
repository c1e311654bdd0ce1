"""The clock's work on points: pending points become spendable, old points expire (FIFO). Warning guests before
their points expire is an automation's (automations.runners).

Each guest is handled in a transaction of its own (locking only their account), so a sweep over a million
guests never holds more than one lock, and a crash halfway leaves every finished guest finished: running the
sweep again only does what is left.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loyalty.events import points_changed
from loyalty.models import EntryKind, LedgerEntry
from loyalty.selectors import local_midnight
from loyalty.services.ledger import locked_account, save_account
from maxloyalty.events import emit_after_commit


def activate_pending_points(*, now: datetime.datetime) -> int:
    """Pending points whose time has come become spendable. Returns the number of guests touched."""
    guest_ids = list(
        LedgerEntry.objects.filter(is_pending=True, available_at__lte=now).values_list("guest_id", flat=True).distinct()
    )
    return sum(_activate_guest(guest_id, now) for guest_id in guest_ids)


@transaction.atomic
def _activate_guest(guest_id: int, now: datetime.datetime) -> int:
    account = locked_account(guest_id)
    due = LedgerEntry.objects.filter(guest_id=guest_id, is_pending=True, available_at__lte=now)
    points = due.aggregate(total=Sum("points"))["total"] or 0
    if not due.update(is_pending=False):
        return 0
    account.pending -= points
    account.available += points
    save_account(account)
    return 1


def expire_points(*, today: datetime.date) -> int:
    """Write expiry entries for what is left of lots whose last day was before `today` (chain time), oldest lots
    first (earlier deductions already took from them first). Returns the number of expiry entries written."""
    cutoff = local_midnight(today)
    guest_ids = list(
        LedgerEntry.objects.filter(remaining_points__gt=0, is_pending=False, expires_at__lte=cutoff)
        .values_list("guest_id", flat=True)
        .distinct()
    )
    return sum(_expire_guest(guest_id, cutoff) for guest_id in guest_ids)


@transaction.atomic
def _expire_guest(guest_id: int, cutoff: datetime.datetime) -> int:
    account = locked_account(guest_id)
    lots = list(
        LedgerEntry.objects.filter(guest_id=guest_id, remaining_points__gt=0, is_pending=False, expires_at__lte=cutoff)
        .order_by("expires_at", "id")
        .values_list("pk", "remaining_points")
    )
    if not lots:
        return 0
    points = sum(remaining for _pk, remaining in lots)
    LedgerEntry.objects.filter(pk__in=[pk for pk, _remaining in lots]).update(remaining_points=0)
    now = timezone.now()
    entry = LedgerEntry.objects.create(
        kind=EntryKind.EXPIRY,
        points=-points,
        guest_id=guest_id,
        reason=str(_("Points expired")),
        created_at=now,
        available_at=now,
        idempotency_key=f"expiry:{guest_id}:{lots[0][0]}",
    )
    account.available -= points
    save_account(account)
    emit_after_commit(points_changed, sender=LedgerEntry, entries=[entry])
    return 1
