"""Many checks from the POS in one transaction: the batch writer of check plans (apply_checks).

Each check is planned as apply_check plans it (loyalty.check_plan.plan_check, against its guest's account as the
batch's earlier checks left it, so two checks of one guest in a batch see each other); the plans are then
written a table at a time, in a fixed number of statements per batch:
- the guests' accounts are locked together, in ascending guest id (the order every writer takes them);
- checks already applied under their keys are found together and answered as replays;
- ledger entries, visits and applied checks are inserted together, the accounts, the guests' visit times and the
  level moves written together, and `checks_applied` / `level_changed` announced once (check_writing.announce).
Checks that need row work of their own (points to spend: the FIFO lots; a promo code: its use counters; an invited
guest's first qualifying purchase: the referral bonuses, whose referrers the batch locks with its guests; a key met
earlier in the batch) go through apply_check itself, in order, after the pending plans of their guest are
written, so the outcome of every check is what apply_check would have given one after another.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from guests.models import Guest, Visit
from guests.services import record_visits_on_guests
from loyalty import rules
from loyalty.check_plan import AccountState, CheckPlan, CheckTexts, check_texts, plan_check
from loyalty.errors import IdempotencyKeyReused
from loyalty.models import AppliedCheck, LedgerEntry, LevelThresholdMode, PointsAccount
from loyalty.selectors import ProgramContext, active_promos, program_context, rolling_level_spends
from loyalty.services.check_writing import (
    CheckOutcome,
    account_state,
    announce,
    chain_time,
    check_rows,
    outcome_of,
    record_level_moves,
    require_valid_check,
    settle_account,
)
from loyalty.services.checks import apply_check, quote_for_guest
from loyalty.services.ledger import locked_accounts, require_active
from loyalty.services.referrals import open_referrer_ids
from maxloyalty.db.set_based_writes import insert_rows, update_rows
from maxloyalty.errors import DomainError

if TYPE_CHECKING:
    from restaurants.models import Restaurant


@dataclass(frozen=True)
class CheckToApply:
    guest: Guest
    check: rules.Check
    restaurant: Restaurant | None
    idempotency_key: str
    receipt_id: int | None = None


CheckResult = CheckOutcome | DomainError


@dataclass(frozen=True)
class _Planned:
    item: CheckToApply
    plan: CheckPlan
    now: datetime.datetime  # when it was planned: its lots' creation time, as apply_check would have it


@dataclass
class _Batch:
    context: ProgramContext
    promos: tuple[rules.PromoSnapshot, ...]
    accounts: dict[int, PointsAccount]
    rolling_spend: dict[int, Decimal] | None  # rolling level thresholds: each guest's spend of the period
    referrers: dict[int, int]  # invited guest id → referrer id, while the guest's referral waits for a purchase
    texts: CheckTexts = field(default_factory=check_texts)  # translated once, not per check
    states: dict[int, AccountState] = field(default_factory=dict)  # guest id → the account as the plans leave it
    planned: list[_Planned] = field(default_factory=list)  # planned, not written yet
    planned_keys: set[str] = field(default_factory=set)
    seen_keys: set[str] = field(default_factory=set)  # every key met in this batch so far
    written: list[CheckOutcome] = field(default_factory=list)  # outcomes of the planned checks, in order

    def state(self, guest_id: int) -> AccountState:
        if guest_id not in self.states:
            rolling = self.rolling_spend.get(guest_id) if self.rolling_spend is not None else None
            self.states[guest_id] = account_state(self.accounts[guest_id], rolling_spend=rolling)
        return self.states[guest_id]


def apply_checks(items: Sequence[CheckToApply]) -> list[CheckResult]:
    """Apply the checks in order, each as apply_check would (same rows, same outcome; a key applied before comes
    back as a replay). A check a business rule refuses (blocked guest, bad key, negative total) comes back as its
    DomainError with nothing written for it. Runs in the caller's transaction (a savepoint of its own)."""
    with transaction.atomic():
        context = program_context()
        referrers = open_referrer_ids(guest_ids={item.guest.pk for item in items}, context=context)
        accounts = locked_accounts([*(item.guest.pk for item in items), *referrers.values()])
        rolling = None
        if context.levels and context.program.level_threshold_mode == LevelThresholdMode.ROLLING:
            rolling = rolling_level_spends(guest_ids=accounts, context=context)
        batch = _Batch(
            context=context, promos=active_promos(), accounts=accounts, rolling_spend=rolling, referrers=referrers
        )
        applied_before = {
            applied.idempotency_key: applied
            for applied in AppliedCheck.objects.select_related("visit").filter(
                idempotency_key__in=[item.idempotency_key for item in items]
            )
        }
        results: list[CheckResult | None] = []
        for item in items:
            try:
                results.append(_apply_one(batch, item, applied_before))
            except DomainError as refusal:
                results.append(refusal)
        _write(batch)
        written = iter(batch.written)
        return [next(written) if result is None else result for result in results]


def _apply_one(batch: _Batch, item: CheckToApply, applied_before: dict[str, AppliedCheck]) -> CheckResult | None:
    """The outcome now (a replay, or a check apply_check handled), or None: planned, written by _write."""
    require_valid_check(idempotency_key=item.idempotency_key, check=item.check)
    existing = applied_before.get(item.idempotency_key)
    if existing is not None:
        if existing.guest_id != item.guest.pk:
            raise IdempotencyKeyReused(idempotency_key=item.idempotency_key)
        return outcome_of(existing, is_replay=True)
    repeated = item.idempotency_key in batch.seen_keys
    batch.seen_keys.add(item.idempotency_key)
    if item.check.points_to_spend > 0 or item.check.promo_code.strip() or repeated or _pays_referral(batch, item):
        return _through_apply_check(batch, item)
    require_active(item.guest)
    _plan(batch, item)
    return None


def _pays_referral(batch: _Batch, item: CheckToApply) -> bool:
    """A waiting referral's first qualifying purchase: rare (once per invited guest), so apply_check pays it."""
    return item.guest.pk in batch.referrers and rules.qualifies_for_referral(
        batch.context.program, item.check.total_amount
    )


def _through_apply_check(batch: _Batch, item: CheckToApply) -> CheckOutcome:
    guest_id = item.guest.pk
    referrer_id = batch.referrers.get(guest_id)
    if guest_id in batch.states or referrer_id in batch.states or item.idempotency_key in batch.planned_keys:
        _write(batch)
    outcome = apply_check(
        guest=item.guest,
        check=item.check,
        restaurant=item.restaurant,
        idempotency_key=item.idempotency_key,
        receipt_id=item.receipt_id,
    )
    # apply_check wrote the account (and a paid referrer's): read them again (still locked) for later checks.
    batch.accounts[guest_id] = PointsAccount.objects.get(guest_id=guest_id)
    if referrer_id is not None and rules.qualifies_for_referral(batch.context.program, item.check.total_amount):
        batch.accounts[referrer_id] = PointsAccount.objects.get(guest_id=referrer_id)
        del batch.referrers[guest_id]  # paid, or closed over the cap: this guest's later checks are planned here
    if batch.rolling_spend is not None:
        spends = rolling_level_spends(guest_ids=[guest_id], context=batch.context)
        batch.rolling_spend[guest_id] = spends.get(guest_id, Decimal(0))
    return outcome


def _plan(batch: _Batch, item: CheckToApply) -> None:
    """Quote the check against its guest's account as the batch left it, plan it; the guest's state moves now."""
    context, guest = batch.context, item.guest
    state = batch.state(guest.pk)
    check = dataclasses.replace(item.check, at=chain_time(item.check.at, context))
    quote, _code_row, _refusal = quote_for_guest(
        guest=guest,
        check=check,
        available_points=state.available,
        level_id=state.level_id,
        context=context,
        promos=batch.promos,
    )
    now = timezone.now()
    plan = plan_check(
        state=state,
        quote=quote,
        check=check,
        idempotency_key=item.idempotency_key,
        program=context.program,
        levels=context.levels,
        texts=batch.texts,
        now=now,
    )
    batch.states[guest.pk] = plan.after
    batch.planned.append(_Planned(item=item, plan=plan, now=now))
    batch.planned_keys.add(item.idempotency_key)


def _write(batch: _Batch) -> None:
    """Write the planned checks' rows, their accounts and guests; their outcomes go to batch.written."""
    planned = batch.planned
    if not planned:
        return
    rows = [
        check_rows(
            one.plan,
            guest=one.item.guest,
            restaurant=one.item.restaurant,
            receipt_id=one.item.receipt_id,
            actor=None,
            context=batch.context,
            now=one.now,
        )
        for one in planned
    ]
    insert_rows(LedgerEntry, [lot for check in rows for lot in check.lots])
    visits: list[Visit] = [check.visit for check in rows]
    insert_rows(Visit, visits)
    record_visits_on_guests(visits)
    for check in rows:
        check.link(check.lots)
    insert_rows(AppliedCheck, [check.applied for check in rows])
    now = timezone.now()
    for one in planned:
        settle_account(batch.accounts[one.item.guest.pk], one.plan, now=now)
    level_changes = record_level_moves([(one.item.guest.pk, one.plan) for one in planned], now=now)
    accounts = [batch.accounts[guest_id] for guest_id in sorted(batch.states)]
    for account in accounts:
        account.updated_at = now
    update_rows(
        PointsAccount,
        accounts,
        ["available", "pending", "lifetime_spend_amount", "level", "level_since", "updated_at"],
    )
    outcomes = [check.outcome(check.lots) for check in rows]
    announce([(check.guest, outcome) for check, outcome in zip(rows, outcomes, strict=True)], level_changes)
    batch.written.extend(outcomes)
    if batch.rolling_spend is not None:
        batch.rolling_spend.update({guest_id: state.rolling_spend for guest_id, state in batch.states.items()})
    batch.planned = []
    batch.planned_keys.clear()
    batch.states.clear()
