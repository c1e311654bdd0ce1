"""What the two check writers share: a plan's rows, the account it leaves, the outcome, and the announcement.

loyalty.services.checks.apply_check writes one check's plan (loyalty.check_plan) row by row;
loyalty.services.check_batches.apply_checks writes many plans a table at a time. Both build their rows here, from
the plan alone, so the rows cannot differ; they differ only in how the rows reach the database.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from guests.models import Guest, Visit
from loyalty import rules
from loyalty.check_plan import AccountState, CheckPlan
from loyalty.events import checks_applied, level_changed
from loyalty.models import AppliedCheck, LedgerEntry, LevelChange, LevelChangeReason, PointsAccount
from loyalty.selectors import ProgramContext
from loyalty.services.ledger import check_key, lot_entry
from loyalty.services.levels import record_level_change
from maxloyalty.db.fast_instances import new_instance, set_related
from maxloyalty.errors import ValidationFailed
from maxloyalty.events import emit_after_commit

if TYPE_CHECKING:
    from accounts.models import User
    from restaurants.models import Restaurant


@dataclass(frozen=True)
class CheckOutcome:
    earned: int
    spent: int
    refused_reason: str  # why fewer points than requested were spent ("" when all were)
    visit: Visit | None
    entries: tuple[LedgerEntry, ...]
    applied_check: AppliedCheck
    is_replay: bool = False


def outcome_of(applied: AppliedCheck, *, is_replay: bool) -> CheckOutcome:
    """The outcome of a check applied earlier, read back from its rows (a retry under its key)."""
    entries = {entry.pk: entry for entry in LedgerEntry.objects.filter(pk__in=applied.entry_ids)}
    return CheckOutcome(
        earned=applied.points_earned,
        spent=applied.points_spent,
        refused_reason=applied.refused_reason,
        visit=applied.visit,
        entries=tuple(entries[pk] for pk in applied.entry_ids if pk in entries),
        applied_check=applied,
        is_replay=is_replay,
    )


def require_valid_check(*, idempotency_key: str, check: rules.Check) -> None:
    """What both writers refuse before reading anything: a key of 1 to 200 characters, a total below zero."""
    check_key(idempotency_key)
    if check.total_amount < 0:
        raise ValidationFailed(fields={"total_amount": [str(_("Cannot be negative."))]})


def chain_time(at: datetime.datetime | None, context: ProgramContext) -> datetime.datetime:
    """The check's time in the chain's zone (a naive time is read as chain time; None: now)."""
    if at is None:
        return timezone.now().astimezone(context.zone)
    if timezone.is_naive(at):
        return at.replace(tzinfo=context.zone)
    return at.astimezone(context.zone)


def account_state(account: PointsAccount, *, rolling_spend: Decimal | None = None) -> AccountState:
    """The plan's view of a (locked) account; `rolling_spend` for rolling level thresholds."""
    return AccountState(
        available=account.available,
        pending=account.pending,
        lifetime_spend_amount=account.lifetime_spend_amount,
        level_id=account.level_id,
        rolling_spend=rolling_spend or Decimal(0),
    )


@dataclass
class CheckRows:
    """The rows of one planned check, unsaved: earned lots, the visit, the applied check (its visit and entry ids
    are set by `link` once those rows have their keys)."""

    plan: CheckPlan
    guest: Guest
    lots: list[LedgerEntry]
    visit: Visit
    applied: AppliedCheck

    def link(self, entries: Sequence[LedgerEntry]) -> None:
        set_related(self.applied, "visit", self.visit)
        self.applied.entry_ids = [entry.pk for entry in entries]

    def outcome(self, entries: Sequence[LedgerEntry]) -> CheckOutcome:
        return CheckOutcome(
            earned=self.plan.earned,
            spent=self.plan.spent,
            refused_reason=self.plan.refused_reason,
            visit=self.visit,
            entries=tuple(entries),
            applied_check=self.applied,
        )


def check_rows(
    plan: CheckPlan,
    *,
    guest: Guest,
    restaurant: Restaurant | None,
    receipt_id: int | None,
    actor: User | None,
    context: ProgramContext,
    now: datetime.datetime,
) -> CheckRows:
    """The rows `plan` writes for `guest` (the deduction, which takes from the lots, is the one writer's own)."""
    lots = [
        lot_entry(
            guest.pk,
            kind=lot.kind,
            points=lot.points,
            key=lot.key,
            context=context,
            restaurant=restaurant,
            actor=actor,
            reason=lot.reason,
            receipt_id=receipt_id,
            delay_hours=lot.delay_hours,
            now=now,  # FIFO takes lots of equal expiry by this time
        )
        for lot in plan.lots
    ]
    related = {"guest": guest, "restaurant": restaurant}
    visit = new_instance(
        Visit,
        related,
        visited_at=plan.checked_at,
        check_amount=plan.total_amount,
        currency=plan.currency,
        points_earned=plan.earned,
        points_spent=plan.spent,
        receipt_id=receipt_id,
    )
    applied = new_instance(
        AppliedCheck,
        {**related, "actor": actor if actor is not None and actor.is_authenticated else None},
        idempotency_key=plan.idempotency_key,
        receipt_id=receipt_id,
        total_amount=plan.total_amount,
        currency=plan.currency,
        checked_at=plan.checked_at,
        points_earned=plan.earned,
        points_spent=plan.spent,
        refused_reason=plan.refused_reason,
        lines=[line.as_row() for line in plan.lines],
    )
    return CheckRows(plan=plan, guest=guest, lots=lots, visit=visit, applied=applied)


def settle_account(account: PointsAccount, plan: CheckPlan, *, now: datetime.datetime) -> None:
    """Put the plan's figures on the (locked) account; the writer saves it."""
    after = plan.after
    account.available, account.pending = after.available, after.pending
    account.lifetime_spend_amount = after.lifetime_spend_amount
    if plan.level_move is not None:
        account.level_id, account.level_since = after.level_id, now


def record_level_moves(plans: Sequence[tuple[int, CheckPlan]], *, now: datetime.datetime) -> list[LevelChange]:
    """The level changes (and their notifications) of the plans that move a level: [(guest id, plan), ...]."""
    return [
        record_level_change(
            guest_id=guest_id,
            from_level=plan.level_move.from_level,
            to_level=plan.level_move.to_level,
            spend_amount=plan.level_move.spend_amount,
            reason=LevelChangeReason.CHECK,
            now=now,
        )
        for guest_id, plan in plans
        if plan.level_move is not None
    ]


def announce(applied: Sequence[tuple[Guest, CheckOutcome]], level_changes: Sequence[LevelChange]) -> None:
    """Tell other apps what the writer wrote, once it commits: checks_applied, and level_changed for the levels
    the checks moved. The one place both writers send their events from."""
    if applied:
        emit_after_commit(checks_applied, sender=AppliedCheck, applied=list(applied))
    if level_changes:
        emit_after_commit(level_changed, sender=LevelChange, changes=list(level_changes))
