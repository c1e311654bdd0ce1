"""Reads of automations: the chain's automations (rows made with their defaults on first use), what each sent in
the last 30 days, and for each kind the guests due now, in SQL, a batch at a time in guest id order (keyset)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from automations import rules
from automations.models import Automation, AutomationKind, AutomationSend, WinBackMode
from guests.models import Guest, GuestSource, GuestStatus
from loyalty.models import AppliedCheck, LedgerEntry, LevelChange, LevelThresholdMode, PointsAccount
from loyalty.selectors import ProgramContext, local_midnight, program_context
from messaging.models import MessageStatus

BATCH_SIZE = 500
# An event kind looks this far back for its event (a tick that did not run for a while catches up; older events
# are not announced any more).
EVENT_LOOKBACK = datetime.timedelta(days=2)
# The welcome reminder and the win-back leave alone guests whose occasion is long past: switching an automation on
# does not write to the whole old base.
REMINDER_LOOKBACK = datetime.timedelta(days=7)
WIN_BACK_LOOKBACK = datetime.timedelta(days=365)
RHYTHM_HISTORY = datetime.timedelta(days=365)
# Guests registered these ways got their welcome already: the bot answers its own registrations; an import is no
# registration.
WELCOMED_ELSEWHERE = (GuestSource.TELEGRAM, GuestSource.IMPORT)


def automations() -> dict[str, Automation]:
    """Every automation of the chain by kind, in the kinds' order (missing rows made with their defaults)."""
    rows = {row.kind: row for row in Automation.objects.all()}
    missing = [kind for kind in AutomationKind.values if kind not in rows]
    if missing:
        expiry_warning_days = program_context().program.expiry_warning_days
        for kind in missing:
            defaults = rules.DEFAULTS[kind]
            days = expiry_warning_days if kind == AutomationKind.POINTS_EXPIRING else defaults.days
            Automation.objects.get_or_create(kind=kind, defaults={"is_enabled": defaults.is_enabled, "days": days})
        rows = {row.kind: row for row in Automation.objects.all()}
    return {kind: rows[kind] for kind in AutomationKind.values}


def automation(kind: str) -> Automation:
    return automations()[kind]


def sent_counts(*, now: datetime.datetime, days: int = 30) -> dict[str, int]:
    """Messages each automation had sent (not suppressed) over the last `days` days, by kind."""
    since = now - datetime.timedelta(days=days)
    rows = (
        AutomationSend.objects.filter(created_at__gte=since, message__isnull=False)
        .exclude(message__status=MessageStatus.SUPPRESSED)
        .values("kind")
        .annotate(count=Count("id"))
    )
    return {row["kind"]: row["count"] for row in rows}


@dataclass(frozen=True)
class Due:
    """A guest an automation is due to write to, the occasion (unique per guest and kind), the template's values."""

    guest_id: int
    occasion: str
    values: dict[str, object] = field(default_factory=dict)


def _active_guests() -> QuerySet[Guest]:
    return Guest.objects.filter(status=GuestStatus.ACTIVE, is_sample=False, is_test=False)


def _not_sent(kind: str, occasion: str) -> Q:
    return ~Q(Exists(AutomationSend.objects.filter(kind=kind, guest=OuterRef("pk"), occasion=occasion)))


def _batches(guests: QuerySet[Guest], occasion: str) -> Iterator[list[Due]]:
    after = 0
    while True:
        ids = list(guests.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE])
        if not ids:
            return
        after = ids[-1]
        yield [Due(guest_id, occasion) for guest_id in ids]


def welcome_due(*, now: datetime.datetime) -> Iterator[list[Due]]:
    guests = (
        _active_guests()
        .filter(created_at__gte=now - EVENT_LOOKBACK, created_at__lte=now)
        .exclude(source__in=WELCOMED_ELSEWHERE)
        .filter(_not_sent(AutomationKind.WELCOME, "registered"))
    )
    return _batches(guests, "registered")


def welcome_reminder_due(*, now: datetime.datetime, days: int) -> Iterator[list[Due]]:
    since = now - datetime.timedelta(days=days)
    guests = _active_guests().filter(
        first_visit_at__isnull=True,
        last_visit_at__isnull=True,
        created_at__lte=since,
        created_at__gt=since - REMINDER_LOOKBACK,
    )
    return _batches(guests.filter(_not_sent(AutomationKind.WELCOME_REMINDER, "reminder")), "reminder")


def first_visit_due(*, now: datetime.datetime) -> Iterator[list[Due]]:
    guests = _active_guests().filter(first_visit_at__gte=now - EVENT_LOOKBACK, first_visit_at__lte=now)
    return _batches(guests.filter(_not_sent(AutomationKind.FIRST_VISIT, "first_visit")), "first_visit")


_WIN_BACK_SQL = """
WITH candidates AS (
    SELECT g.id, g.last_visit_at
    FROM guests_guest g
    WHERE g.status = 'active' AND NOT g.is_sample AND NOT g.is_test AND g.id > %(after)s
      AND g.last_visit_at > %(lookback)s
      AND g.last_visit_at <= %(now)s - make_interval(days => %(min_days)s)
      AND NOT EXISTS (
        SELECT 1 FROM automations_automationsend s
        WHERE s.kind = 'win_back' AND s.guest_id = g.id AND s.created_at >= g.last_visit_at)
    ORDER BY g.id
    LIMIT %(batch)s
), days AS (
    SELECT DISTINCT v.guest_id, (v.visited_at AT TIME ZONE %(zone)s)::date AS day
    FROM guests_visit v JOIN candidates c ON c.id = v.guest_id
    WHERE %(use_rhythm)s AND v.visited_at >= %(history_since)s
), gaps AS (
    SELECT guest_id, day - lag(day) OVER (PARTITION BY guest_id ORDER BY day) AS gap FROM days
), rhythm AS (
    SELECT guest_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS median_gap
    FROM gaps WHERE gap IS NOT NULL GROUP BY guest_id
)
SELECT c.id, c.last_visit_at, r.median_gap
FROM candidates c LEFT JOIN rhythm r ON r.guest_id = c.id
ORDER BY c.id
"""


def win_back_due(*, now: datetime.datetime, row: Automation, context: ProgramContext) -> Iterator[list[Due]]:
    """Rule 3 of automations.rules: a batch of candidates in one query (away at least the shortest threshold any
    guest can have, not written to since their last visit) with, in rhythm mode, the median gap between their
    distinct visit days of the last year; the rule then decides each."""
    rhythm = row.win_back_mode == WinBackMode.RHYTHM
    params: dict[str, Any] = {
        "zone": context.time_zone,
        "history_since": now - RHYTHM_HISTORY,
        "use_rhythm": rhythm,
        "lookback": now - WIN_BACK_LOOKBACK,
        "now": now,
        "min_days": min(row.days, row.rhythm_floor_days) if rhythm else row.days,
        "batch": BATCH_SIZE,
        "after": 0,
    }
    while True:
        with connection.cursor() as cursor:
            cursor.execute(_WIN_BACK_SQL, params)
            found = cursor.fetchall()
        if not found:
            return
        params["after"] = found[-1][0]
        batch = []
        for guest_id, last_visit_at, median_gap in found:
            threshold = rules.win_back_threshold_days(
                chain_days=row.days,
                median_gap_days=float(median_gap) if median_gap is not None else None,
                factor=row.rhythm_factor if rhythm else None,
                floor_days=row.rhythm_floor_days,
            )
            away = now - last_visit_at
            if away < datetime.timedelta(days=threshold):
                continue
            occasion = f"lapse:{last_visit_at.astimezone(context.zone).date().isoformat()}"
            batch.append(Due(guest_id, occasion, {"days_away": away.days}))
        yield batch


def birthday_due(*, today: datetime.date, days: int) -> Iterator[list[Due]]:
    target = rules.birthday_target(today, days)
    on_day = Q(birthday__month=target.month, birthday__day=target.day)
    if (target.month, target.day) == (2, 28) and not rules.is_leap(target.year):
        on_day |= Q(birthday__month=2, birthday__day=29)
    occasion = str(target.year)
    guests = _active_guests().filter(on_day).filter(_not_sent(AutomationKind.BIRTHDAY, occasion))
    return _batches(guests, occasion)


def points_expiring_due(*, today: datetime.date, days: int, context: ProgramContext) -> Iterator[list[Due]]:
    """Guests with points whose lots expire within `days` days (after today, chain time); the occasion is the last
    day they can spend the first of them."""
    if not context.program.expiry_days or not days:
        return
    start = local_midnight(today, context)
    horizon = local_midnight(today + datetime.timedelta(days=days + 1), context)
    lots = LedgerEntry.objects.filter(
        remaining_points__gt=0, is_pending=False, expires_at__gt=start, expires_at__lte=horizon
    )
    after = 0
    while True:
        rows = list(
            lots.filter(guest_id__gt=after, guest__status=GuestStatus.ACTIVE)
            .values("guest_id")
            .annotate(points=Sum("remaining_points"), first=Min("expires_at"))
            .order_by("guest_id")[:BATCH_SIZE]
        )
        if not rows:
            return
        after = rows[-1]["guest_id"]
        batch = []
        for row in rows:
            last_day = row["first"].astimezone(context.zone).date() - datetime.timedelta(days=1)
            values = {"expiring_points": int(row["points"]), "expiry_date": last_day}
            batch.append(Due(row["guest_id"], f"until:{last_day.isoformat()}", values))
        yield batch


def level_up_due(*, now: datetime.datetime, context: ProgramContext) -> Iterator[list[Due]]:
    """Moves up of the last EVENT_LOOKBACK (a check's or the night's), one message each."""
    thresholds = {level.id: level.threshold_amount for level in context.levels}
    changes = (
        LevelChange.objects.filter(
            changed_at__gte=now - EVENT_LOOKBACK,
            changed_at__lte=now,
            to_level__isnull=False,
            guest__status=GuestStatus.ACTIVE,
        )
        .order_by("pk")
        .values_list("pk", "guest_id", "from_level_id", "to_level_id")
    )
    after = 0
    while True:
        rows = list(changes.filter(pk__gt=after)[:BATCH_SIZE])
        if not rows:
            return
        after = rows[-1][0]
        batch = []
        for change_id, guest_id, from_id, to_id in rows:
            before = thresholds.get(from_id, Decimal(-1)) if from_id is not None else Decimal(-1)
            if thresholds.get(to_id, Decimal(-1)) > before:
                level = context.level(to_id)
                batch.append(Due(guest_id, f"change:{change_id}", {"new_level": level.name if level else ""}))
        yield batch


def level_at_risk_due(*, today: datetime.date, days: int, context: ProgramContext) -> Iterator[list[Due]]:
    """Rule 5 of automations.rules: accounts on a level, a batch at a time, with the spend that still counts then."""
    if context.program.level_threshold_mode != LevelThresholdMode.ROLLING or not context.levels:
        return
    counted_since = local_midnight(today + datetime.timedelta(days=days), context) - datetime.timedelta(
        days=context.program.level_rolling_days
    )
    accounts = PointsAccount.objects.filter(level__isnull=False, guest__status=GuestStatus.ACTIVE)
    after = 0
    while True:
        rows = list(
            accounts.filter(guest_id__gt=after)
            .order_by("guest_id")
            .values_list("guest_id", "level_id", "level_since")[:BATCH_SIZE]
        )
        if not rows:
            return
        after = rows[-1][0]
        spends = dict(
            AppliedCheck.objects.filter(
                guest_id__in=[row[0] for row in rows], checked_at__gte=counted_since, reversed_at__isnull=True
            )
            .values("guest_id")
            .annotate(total=Sum("total_amount"))
            .values_list("guest_id", "total")
        )
        batch = []
        for guest_id, level_id, level_since in rows:
            current = context.level(level_id)
            if rules.level_at_risk(context.levels, current, spends.get(guest_id) or Decimal(0)) is None:
                continue
            since = (level_since or timezone.now()).astimezone(context.zone).date().isoformat()
            batch.append(Due(guest_id, f"level:{level_id}:{since}", {"days_left": days}))
        yield batch
