"""Program drafts: edit, backtest over the chain's past checks, publish (now or at a chosen moment).

A backtest reads the period's applied checks in time order (one server-side cursor on the checked_at index), with
the lines each was quoted with (AppliedCheck.lines; checks applied before lines were kept replay without), and
each guest's account as the period found it, and feeds them to loyalty.backtest_rules.Replay, which runs the
current program and the draft side by side through the production rules. Publishing writes the draft through the
program services (each change audited old → new) and records the whole program old → new in one more audit row; a
draft published for a later moment waits as "scheduled" until loyalty.tasks.publish_due_drafts_task applies it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_audit
from guests.models import Guest
from loyalty.backtest_rules import GuestStart, ProgramVersion, Replay, ReplayCheck
from loyalty.errors import DraftAlreadyPublished
from loyalty.models import (
    AppliedCheck,
    Backtest,
    BacktestStatus,
    DraftStatus,
    EntryKind,
    LedgerEntry,
    Level,
    LevelChange,
    PointsAccount,
    ProgramDraft,
    Promo,
    PromoCodeUse,
)
from loyalty.program_draft import PROGRAM_FIELDS, DraftInvalid, draft_version, version_data
from loyalty.rules import CheckLine
from loyalty.selectors import current_program_version, program_context
from loyalty.services.program import (
    create_level,
    create_promo,
    delete_level,
    delete_promo,
    update_level,
    update_program_settings,
    update_promo,
)
from maxloyalty.errors import DomainError, ValidationFailed
from maxloyalty.task_queue import enqueue_after_commit
from restaurants.models import Restaurant

if TYPE_CHECKING:
    from accounts.models import User

BACKTEST_DAYS = (30, 90, 180)
CHECK_ENTRY_KINDS = (EntryKind.ACCRUAL, EntryKind.REDEMPTION, EntryKind.PROMO_BONUS)  # written by checks
BATCH_SIZE = 10_000  # checks read per round trip, and how often the progress is saved


def _validated(data: Any) -> ProgramVersion:
    try:
        return draft_version(data, base=program_context().program)
    except DraftInvalid as error:
        raise ValidationFailed(fields=error.fields) from error


@transaction.atomic
def create_draft(*, actor: User | None, name: str = "", data: Any = None) -> ProgramDraft:
    """A new draft: `data`, or the program in force as it is now."""
    version = current_program_version() if data is None else _validated(data)
    draft = ProgramDraft.objects.create(
        name=name.strip()[:200], data=version_data(version), created_by=actor, updated_by=actor
    )
    record_audit(action="loyalty.draft_created", actor=actor, target=draft, data={"name": draft.name})
    return draft


@transaction.atomic
def update_draft(*, draft: ProgramDraft, actor: User | None, data: Any, name: str | None = None) -> ProgramDraft:
    draft = ProgramDraft.objects.select_for_update().get(pk=draft.pk)
    if draft.status == DraftStatus.PUBLISHED:
        raise DraftAlreadyPublished()
    new_data = version_data(_validated(data))
    changes: dict[str, list[Any]] = {}
    if new_data != draft.data:
        changes["data"] = [draft.data, new_data]
    if name is not None and name.strip()[:200] != draft.name:
        changes["name"] = [draft.name, name.strip()[:200]]
        draft.name = name.strip()[:200]
    draft.data, draft.updated_by = new_data, actor
    draft.save()
    if changes:
        record_audit(action="loyalty.draft_updated", actor=actor, target=draft, changes=changes)
    return draft


@transaction.atomic
def start_backtest(*, draft: ProgramDraft, days: int, actor: User | None) -> Backtest:
    """Queue a backtest of the draft over the last `days` days (the draft as it is now is what is replayed)."""
    if days not in BACKTEST_DAYS:
        raise ValidationFailed(
            fields={"days": [_("Choose one of: %(options)s.") % {"options": ", ".join(map(str, BACKTEST_DAYS))}]}
        )
    _validated(draft.data)
    now = timezone.now()
    backtest = Backtest.objects.create(
        draft=draft,
        days=days,
        period_start=now - datetime.timedelta(days=days),
        period_end=now,
        draft_data=draft.data,
        created_by=actor,
    )
    record_audit(
        action="loyalty.backtest_started", actor=actor, target=draft, data={"backtest": backtest.pk, "days": days}
    )
    enqueue_after_commit("loyalty.tasks.run_backtest_task", backtest_id=backtest.pk)
    return backtest


@transaction.atomic
def backtest_new_draft(*, data: Any, days: int, actor: User | None) -> Backtest:
    """Save `data` as a new draft and queue its backtest (both, or neither)."""
    return start_backtest(draft=create_draft(actor=actor, data=data), days=days, actor=actor)


def _guest_starts(start: datetime.datetime, guest_ids: Subquery) -> dict[int, GuestStart]:
    """Each guest's points, lifetime spend and level as the period found them: today's account less what the
    period's checks and other ledger entries changed (the ledger read from `start` on: only those months)."""
    spend_since = dict(
        AppliedCheck.objects.filter(checked_at__gte=start, reversed_at__isnull=True)
        .values("guest_id")
        .annotate(total=Sum("total_amount"))
        .values_list("guest_id", "total")
    )
    # Points: what the period's checks earned and spent (refunded ones too: their reversals are entries below),
    # and the other entries since (bonuses, adjustments, expiry, reversals).
    points_since = dict(
        AppliedCheck.objects.filter(checked_at__gte=start, guest_id__in=guest_ids)
        .values("guest_id")
        .annotate(total=Sum(F("points_earned") - F("points_spent")))
        .values_list("guest_id", "total")
    )
    for guest_id, points in (
        LedgerEntry.objects.filter(created_at__gte=start, guest_id__in=guest_ids)
        .exclude(kind__in=CHECK_ENTRY_KINDS)
        .values("guest_id")
        .annotate(total=Sum("points"))
        .values_list("guest_id", "total")
    ):
        points_since[guest_id] = (points_since.get(guest_id) or 0) + points
    level_before = dict(
        LevelChange.objects.filter(changed_at__gte=start, guest_id__in=guest_ids)
        .order_by("guest_id", "changed_at", "id")
        .distinct("guest_id")
        .values_list("guest_id", "from_level_id")
    )
    tags = dict(Guest.objects.filter(pk__in=guest_ids).values_list("pk", "tags"))
    starts = {}
    accounts = PointsAccount.objects.filter(guest_id__in=guest_ids).values_list(
        "guest_id", "available", "pending", "lifetime_spend_amount", "level_id"
    )
    for guest_id, available, pending, lifetime, level_id in accounts:
        starts[guest_id] = GuestStart(
            points=max(available + pending - int(points_since.get(guest_id) or 0), 0),
            spend_amount=max(lifetime - (spend_since.get(guest_id) or Decimal(0)), Decimal(0)),
            level_id=level_before.get(guest_id, level_id),
            tags=frozenset(tags.get(guest_id) or ()),
        )
    return starts


def _replay_checks(
    *, read_from: datetime.datetime, start: datetime.datetime, end: datetime.datetime
) -> Iterator[list[ReplayCheck]]:
    """The applied checks from `read_from` to `end` in time order, in batches (refunded ones left out); those
    before `start` only warm up the rolling spend."""
    zone = program_context().zone
    code_promos: dict[int, set[int]] = {}
    for check_id, promo_id in PromoCodeUse.objects.filter(
        applied_check__checked_at__gte=start, applied_check__checked_at__lt=end
    ).values_list("applied_check_id", "code__promo_id"):
        code_promos.setdefault(check_id, set()).add(promo_id)
    rows = (
        AppliedCheck.objects.filter(checked_at__gte=read_from, checked_at__lt=end, reversed_at__isnull=True)
        .order_by("checked_at", "id")
        .values_list("id", "guest_id", "restaurant_id", "checked_at", "total_amount", "points_spent", "lines")
        .iterator(chunk_size=BATCH_SIZE)
    )
    batch: list[ReplayCheck] = []
    known_lines: dict[tuple[str, ...], CheckLine] = {}  # a menu's lines repeat: each is parsed once
    for check_id, guest_id, restaurant_id, checked_at, total_amount, points_spent, line_rows in rows:
        lines: tuple[CheckLine, ...] = ()
        if line_rows:
            parsed = []
            for row in line_rows:
                key = tuple(row)
                line = known_lines.get(key)
                if line is None:
                    line = known_lines[key] = CheckLine.from_row(key)
                parsed.append(line)
            lines = tuple(parsed)
        batch.append(
            ReplayCheck(
                guest_id=guest_id,
                restaurant_id=restaurant_id,
                at=checked_at.astimezone(zone),
                total_amount=total_amount,
                points_spent=points_spent,
                code_promo_ids=frozenset(code_promos[check_id]) if check_id in code_promos else frozenset(),
                counts=checked_at >= start,
                lines=lines,
            )
        )
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def replay_period(
    *,
    draft: ProgramVersion,
    start: datetime.datetime,
    end: datetime.datetime,
    current: ProgramVersion | None = None,
    on_progress: Any = None,
) -> dict[str, Any]:
    """The backtest's figures (loyalty.backtest_rules.Replay.result) of the checks in [start, end)."""
    current = current or current_program_version()
    period = AppliedCheck.objects.filter(checked_at__gte=start, checked_at__lt=end, reversed_at__isnull=True)
    guest_ids = Subquery(period.values("guest_id").distinct())
    replay = Replay(current=current, draft=draft, starts=_guest_starts(start, guest_ids))
    rolling_days = max(
        (
            version.program.level_rolling_days
            for version in (current, draft)
            if version.program.level_threshold_mode == "rolling" and version.levels
        ),
        default=0,
    )
    read_from = start - datetime.timedelta(days=rolling_days)
    for batch in _replay_checks(read_from=read_from, start=start, end=end):
        replay.feed(batch)
        if on_progress is not None:
            on_progress(replay.checks)
    result = replay.result()
    names = dict(
        Restaurant.objects.filter(pk__in=[row["restaurant_id"] for row in result["restaurants"]]).values_list(
            "pk", "name"
        )
    )
    for row in result["restaurants"]:
        row["name"] = names.get(row["restaurant_id"], "")
    guests = {
        guest.pk: str(guest)
        for guest in Guest.objects.filter(pk__in=[row["guest_id"] for row in result["most_changed_guests"]])
    }
    for row in result["most_changed_guests"]:
        row["name"] = guests.get(row["guest_id"], "")
    result["current_point_value_amount"] = f"{current.program.point_value_amount.normalize():f}"
    result["draft_point_value_amount"] = f"{draft.program.point_value_amount.normalize():f}"
    return result


def run_backtest(*, backtest_id: int) -> Backtest:
    """Run a queued backtest once (a retry or a second worker finds it claimed and does nothing). Progress is
    saved every batch, outside any transaction, so the page polling it sees it move."""
    claimed = Backtest.objects.filter(pk=backtest_id, status=BacktestStatus.PENDING).update(
        status=BacktestStatus.RUNNING, started_at=timezone.now()
    )
    backtest = Backtest.objects.get(pk=backtest_id)
    if claimed != 1:
        return backtest
    try:
        draft = _validated(backtest.draft_data)
        total = AppliedCheck.objects.filter(
            checked_at__gte=backtest.period_start, checked_at__lt=backtest.period_end, reversed_at__isnull=True
        ).count()
        Backtest.objects.filter(pk=backtest_id).update(total=total)
        result = replay_period(
            draft=draft,
            start=backtest.period_start,
            end=backtest.period_end,
            on_progress=lambda done: Backtest.objects.filter(pk=backtest_id).update(processed=done),
        )
    except Exception:
        # The job must not stay "running" for ever; the error goes on to the task's log and metrics.
        Backtest.objects.filter(pk=backtest_id).update(
            status=BacktestStatus.FAILED,
            failure=_("The backtest could not be completed. Try again; if it fails again, contact support."),
            finished_at=timezone.now(),
        )
        raise
    Backtest.objects.filter(pk=backtest_id).update(
        status=BacktestStatus.DONE, result=result, processed=result["checks"], finished_at=timezone.now()
    )
    backtest.refresh_from_db()
    return backtest


def _program_changes(version: ProgramVersion) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in PROGRAM_FIELDS:
        value = getattr(version.program, name)
        changes[name] = sorted(value) if isinstance(value, frozenset) else value
    return changes


def _write_draft(version: ProgramVersion, actor: User | None) -> None:
    """Make the program equal the draft through the program services (each change audited there)."""
    update_program_settings(actor=actor, changes=_program_changes(version))
    existing_levels = {level.pk: level for level in Level.objects.all()}
    kept = {level.id for level in version.levels if level.id in existing_levels}
    for level_id, level in existing_levels.items():
        if level_id not in kept:
            delete_level(level=level, actor=actor)
    level_ids: dict[int, int] = {}
    for snapshot in version.levels:
        fields = {
            "name": snapshot.name,
            "threshold_amount": snapshot.threshold_amount,
            "earn_rate_percent": snapshot.earn_rate_percent,
            "redemption_cap_percent": snapshot.redemption_cap_percent,
        }
        if snapshot.id in kept:
            level_ids[snapshot.id] = update_level(level=existing_levels[snapshot.id], actor=actor, changes=fields).pk
        else:
            level_ids[snapshot.id] = create_level(actor=actor, **fields).pk
    existing_promos = {promo.pk: promo for promo in Promo.objects.filter(is_active=True)}
    kept_promos = {promo.id for promo in version.promos if promo.id in existing_promos}
    for promo_id, promo in existing_promos.items():
        if promo_id not in kept_promos:
            delete_promo(promo=promo, actor=actor)
    for promo_snapshot in version.promos:
        promo_fields = {
            "name": promo_snapshot.name,
            "multiplier": promo_snapshot.multiplier,
            "bonus_points": promo_snapshot.bonus_points,
            "combination": promo_snapshot.combination,
            "starts_on": promo_snapshot.starts_on,
            "ends_on": promo_snapshot.ends_on,
            "weekdays": sorted(promo_snapshot.weekdays),
            "starts_at_time": promo_snapshot.starts_at_time,
            "ends_at_time": promo_snapshot.ends_at_time,
            "guest_tags": sorted(promo_snapshot.guest_tags),
            "categories": sorted(promo_snapshot.categories),
            "requires_code": promo_snapshot.codes is not None,
            "restaurant_ids": sorted(promo_snapshot.restaurant_ids),
            "level_ids": sorted(level_ids.get(level_id, level_id) for level_id in promo_snapshot.level_ids),
        }
        if promo_snapshot.id in kept_promos:
            update_promo(promo=existing_promos[promo_snapshot.id], actor=actor, changes=promo_fields)
        else:
            create_promo(actor=actor, **promo_fields)


@transaction.atomic
def _publish_now(draft: ProgramDraft, actor: User | None, effective_at: datetime.datetime) -> ProgramDraft:
    before = version_data(current_program_version())
    version = _validated(draft.data)
    _write_draft(version, actor)
    after = version_data(current_program_version())
    ProgramDraft.objects.filter(pk=draft.pk).update(
        status=DraftStatus.PUBLISHED, publish_at=effective_at, published_at=timezone.now(), published_by=actor
    )
    record_audit(
        action="loyalty.draft_published",
        actor=actor,
        target=draft,
        changes={"program": [before, after]},
        data={"effective_at": effective_at.isoformat()},
    )
    draft.refresh_from_db()
    return draft


@transaction.atomic
def publish_draft(
    *, draft: ProgramDraft, actor: User | None, effective_at: datetime.datetime | None = None
) -> ProgramDraft:
    """Publish the draft now, or schedule it for `effective_at` (a later moment): the program then becomes the
    draft (settings, levels and promos; levels and active promos missing from the draft are deleted)."""
    draft = ProgramDraft.objects.select_for_update().get(pk=draft.pk)
    if draft.status == DraftStatus.PUBLISHED:
        raise DraftAlreadyPublished()
    _validated(draft.data)
    now = timezone.now()
    if effective_at is None or effective_at <= now:
        return _publish_now(draft, actor, now)
    old_moment = draft.publish_at
    draft.status, draft.publish_at, draft.published_by = DraftStatus.SCHEDULED, effective_at, actor
    draft.save(update_fields=["status", "publish_at", "published_by", "updated_at"])
    record_audit(
        action="loyalty.draft_scheduled",
        actor=actor,
        target=draft,
        changes={"publish_at": [old_moment.isoformat() if old_moment else None, effective_at.isoformat()]},
    )
    return draft


def publish_due_drafts(*, now: datetime.datetime) -> int:
    """Every minute: scheduled drafts whose moment has come are published (as the staff member who scheduled
    them), oldest moment first. Returns how many."""
    published = 0
    for draft_id in (
        ProgramDraft.objects.filter(status=DraftStatus.SCHEDULED, publish_at__lte=now)
        .order_by("publish_at", "id")
        .values_list("pk", flat=True)
    ):
        with transaction.atomic():
            draft = (
                ProgramDraft.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("published_by")
                .filter(pk=draft_id, status=DraftStatus.SCHEDULED)
                .first()
            )
            if draft is None or draft.publish_at is None:
                continue
            try:
                _publish_now(draft, draft.published_by, draft.publish_at)
            except DomainError as error:
                # The program changed meanwhile so that the draft no longer fits (a restaurant gone, a duplicate
                # level): it goes back to being a draft, and the audit log says why.
                ProgramDraft.objects.filter(pk=draft.pk).update(status=DraftStatus.DRAFT)
                record_audit(
                    action="loyalty.draft_publish_failed",
                    actor=draft.published_by,
                    target=draft,
                    data={"code": error.code, "message": str(error.message), "fields": getattr(error, "fields", {})},
                )
                continue
            published += 1
    return published
