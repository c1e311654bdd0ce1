"""Reads of the fraud rules and the review queue: the facts each rule needs (in SQL, bounded), the chain's
thresholds, and the flags a reviewer sees."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from audit.models import AuditEntry
from fraud.errors import FlagNotFound
from fraud.models import FraudFlag, FraudSettings
from fraud.rules import (
    QUICK_REDEMPTION_MINUTES,
    CheckFact,
    RefundFact,
    RegistrationStats,
    StaffStats,
    TillStats,
)
from guests.models import Guest
from loyalty.models import EARNING_KINDS, AppliedCheck, EntryKind, LedgerEntry, PointsAccount
from pos.models import Receipt, ReceiptOperation
from restaurants.models import Restaurant

RECENT_CHECKS = 50  # a guest's checks the per-check rules look at: far more than any window's threshold
MANUAL_GRANT_ACTIONS = ("points.accrued", "points.adjusted")  # audit actions of points given by hand


def fraud_settings() -> FraudSettings:
    """The chain's thresholds (the defaults, unsaved, until an owner changes them)."""
    return FraudSettings.objects.filter(pk=1).first() or FraudSettings(pk=1)


def guests_check_facts(guest_ids: Sequence[int], *, since: datetime.datetime) -> dict[int, list[CheckFact]]:
    """The guests' checks closed since `since` (at most RECENT_CHECKS each, the latest), each with its till: the POS
    terminal, or the staff member at the till page. Two statements for any number of guests."""
    checks = list(
        AppliedCheck.objects.filter(guest_id__in=guest_ids, checked_at__gte=since)
        .annotate(
            rank=Window(RowNumber(), partition_by=F("guest_id"), order_by=(F("checked_at").desc(), F("id").desc()))
        )
        .filter(rank__lte=RECENT_CHECKS)
        .values("id", "guest_id", "checked_at", "restaurant_id", "actor_id", "receipt_id", "total_amount", "entry_ids")
    )
    receipt_ids = [check["receipt_id"] for check in checks if check["receipt_id"] is not None]
    terminals = (
        dict(
            # received after the check closed: the received_at bound keeps the read to the partitions of these months
            Receipt.objects.filter(id__in=receipt_ids, received_at__gte=since).values_list("id", "terminal")
        )
        if receipt_ids
        else {}
    )
    facts: dict[int, list[CheckFact]] = {guest_id: [] for guest_id in guest_ids}
    for check in checks:
        actor_id: int | None = check["actor_id"]
        if check["receipt_id"] is not None:
            till = f"pos:{terminals.get(check['receipt_id']) or '-'}"
        else:
            till = "api" if actor_id is None else f"staff:{actor_id}"
        facts[check["guest_id"]].append(
            CheckFact(
                check_id=check["id"],
                at=check["checked_at"],
                restaurant_id=check["restaurant_id"],
                till=till,
                amount=check["total_amount"],
                entry_ids=tuple(check["entry_ids"] or ()),
            )
        )
    return facts


def restaurant_places() -> dict[int, tuple[float, float]]:
    """Coordinates of the restaurants that have them."""
    return {
        restaurant_id: (latitude, longitude)
        for restaurant_id, latitude, longitude in Restaurant.objects.filter(
            latitude__isnull=False, longitude__isnull=False
        ).values_list("id", "latitude", "longitude")
        if latitude is not None and longitude is not None
    }


def guests_refund_facts(guest_ids: Sequence[int], *, since: datetime.datetime) -> dict[int, list[RefundFact]]:
    """The guests' reversals since `since` that fell short: what they took back had already been spent."""
    facts: dict[int, list[RefundFact]] = {guest_id: [] for guest_id in guest_ids}
    rows = LedgerEntry.objects.filter(
        guest_id__in=guest_ids, kind=EntryKind.REVERSAL, shortfall_points__gt=0, created_at__gte=since
    ).values("id", "guest_id", "reverses_id", "created_at", "restaurant_id", "shortfall_points")
    for row in rows:
        facts[row["guest_id"]].append(
            RefundFact(
                entry_id=row["id"],
                reverses_id=row["reverses_id"] or 0,
                at=row["created_at"],
                restaurant_id=row["restaurant_id"],
                shortfall_points=row["shortfall_points"],
            )
        )
    return facts


def known_flag_keys(keys: Sequence[str]) -> set[str]:
    return set(FraudFlag.objects.filter(key__in=keys).values_list("key", flat=True)) if keys else set()


def staff_stats(*, since: datetime.datetime, until: datetime.datetime) -> list[StaffStats]:
    """Per staff member and restaurant: checks made at the till, manual grants, undos and redemptions right after
    an accrual of the same guest, in [since, until)."""
    counts: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)

    def add(metric: str, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            counts[(row["actor_id"], row["restaurant_id"])][metric] = row["n"]

    add(
        "checks",
        AppliedCheck.objects.filter(
            actor__isnull=False, restaurant__isnull=False, created_at__gte=since, created_at__lt=until
        )
        .values("actor_id", "restaurant_id")
        .annotate(n=Count("id")),
    )
    add(
        "manual_bonuses",
        AuditEntry.objects.filter(
            action__in=MANUAL_GRANT_ACTIONS,
            actor__isnull=False,
            restaurant_id__isnull=False,
            created_at__gte=since,
            created_at__lt=until,
        )
        .values("actor_id", "restaurant_id")
        .annotate(n=Count("id")),
    )
    add(
        "undos",
        LedgerEntry.objects.filter(
            kind=EntryKind.REVERSAL,
            actor__isnull=False,
            restaurant__isnull=False,
            created_at__gte=since,
            created_at__lt=until,
        )
        .values("actor_id", "restaurant_id")
        .annotate(n=Count("id")),
    )
    accrual_just_before = LedgerEntry.objects.filter(
        guest_id=OuterRef("guest_id"),
        kind__in=EARNING_KINDS,
        points__gt=0,
        created_at__gte=OuterRef("created_at") - datetime.timedelta(minutes=QUICK_REDEMPTION_MINUTES),
        created_at__lte=OuterRef("created_at"),
    )
    add(
        "quick_redemptions",
        LedgerEntry.objects.filter(
            kind=EntryKind.REDEMPTION,
            actor__isnull=False,
            restaurant__isnull=False,
            created_at__gte=since,
            created_at__lt=until,
        )
        .filter(Exists(accrual_just_before))
        .values("actor_id", "restaurant_id")
        .annotate(n=Count("id")),
    )
    return [
        StaffStats(
            staff_id=staff_id,
            restaurant_id=restaurant_id,
            checks=metrics.get("checks", 0),
            manual_bonuses=metrics.get("manual_bonuses", 0),
            undos=metrics.get("undos", 0),
            quick_redemptions=metrics.get("quick_redemptions", 0),
        )
        for (staff_id, restaurant_id), metrics in sorted(counts.items())
    ]


def till_stats(*, since: datetime.datetime, until: datetime.datetime) -> list[TillStats]:
    """Per restaurant and POS till (terminal): sales closed in [since, until) and those with a guest attached by
    the till (the POS sent a guest identifier). One statement; receipts received before `since` are not read."""
    rows = (
        Receipt.objects.filter(
            operation=ReceiptOperation.SALE,
            received_at__gte=since,
            closed_at__gte=since,
            closed_at__lt=until,
        )
        .exclude(terminal="")
        .values("restaurant_id", "terminal")
        .annotate(checks=Count("id"), with_guest=Count("id", filter=~Q(guest_identifier="")))
        .order_by("restaurant_id", "terminal")
    )
    return [
        TillStats(
            restaurant_id=row["restaurant_id"], till=row["terminal"], checks=row["checks"], with_guest=row["with_guest"]
        )
        for row in rows
    ]


def registration_stats(*, since: datetime.datetime, until: datetime.datetime) -> list[RegistrationStats]:
    """Per staff member: guests they registered in [since, until), and those with no visit after the day of their
    registration."""
    registrations = list(
        AuditEntry.objects.filter(
            action="guest.created", actor__isnull=False, created_at__gte=since, created_at__lt=until
        ).values_list("actor_id", "restaurant_id", "object_id", "created_at")
    )
    guest_ids = [int(object_id) for _actor, _restaurant, object_id, _at in registrations if object_id.isdigit()]
    last_visits = dict(Guest.objects.filter(id__in=guest_ids).values_list("id", "last_visit_at"))
    by_staff: dict[int, tuple[int | None, list[int], list[int]]] = {}
    for actor_id, restaurant_id, object_id, created_at in registrations:
        if not object_id.isdigit() or int(object_id) not in last_visits:
            continue  # erased or merged away since
        guest_id = int(object_id)
        _restaurant, registered, idle = by_staff.setdefault(actor_id, (restaurant_id, [], []))
        registered.append(guest_id)
        last_visit = last_visits[guest_id]
        if last_visit is None or last_visit < created_at + datetime.timedelta(days=1):
            idle.append(guest_id)
    return [
        RegistrationStats(
            staff_id=staff_id,
            restaurant_id=restaurant_id,
            registered=len(registered),
            guest_ids_without_visit=tuple(sorted(idle)),
        )
        for staff_id, (restaurant_id, registered, idle) in sorted(by_staff.items())
    ]


def review_queue(*, status: str = "", rule: str = "") -> QuerySet[FraudFlag]:
    """The flags a reviewer sees, newest first, optionally of one status and rule."""
    flags = FraudFlag.objects.select_related("guest", "staff", "restaurant", "reviewed_by")
    if status:
        flags = flags.filter(status=status)
    if rule:
        flags = flags.filter(rule=rule)
    return flags.order_by("-created_at", "-id")


def access_flag(flag_id: int) -> FraudFlag:
    """One flag of this chain (whoever asks has the review permission: the view's guard)."""
    flag = FraudFlag.objects.select_related("guest", "staff", "restaurant", "reviewed_by").filter(pk=flag_id).first()
    if flag is None:
        raise FlagNotFound(flag_id=flag_id)
    return flag


def flag_entries(flag: FraudFlag) -> list[LedgerEntry]:
    """The ledger entries the flag names (the checks' entries, a refund's), oldest first: what may be reversed."""
    ids = [int(entry_id) for entry_id in flag.evidence.get("entry_ids", []) if isinstance(entry_id, int)]
    if flag.evidence.get("refunded_entry_id"):
        ids.append(int(flag.evidence["refunded_entry_id"]))
    if not ids or flag.guest_id is None:
        return []
    return list(LedgerEntry.objects.filter(pk__in=ids, guest_id=flag.guest_id).order_by("created_at", "id"))


def reversed_entry_ids(entry_ids: list[int]) -> set[int]:
    return set(
        LedgerEntry.objects.filter(reverses_id__in=entry_ids, kind=EntryKind.REVERSAL).values_list(
            "reverses_id", flat=True
        )
    )


def is_points_frozen(guest_id: int) -> bool:
    return PointsAccount.objects.filter(guest_id=guest_id, frozen_at__isnull=False).exists()
