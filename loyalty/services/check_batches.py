"""Many checks from the POS in one transaction: what apply_check does for each, written a batch at a time.

A POS pipeline drains its received checks in batches. Calling apply_check for each costs a dozen statements per
check; here a batch costs a handful of statements whatever its size:
- the guests' accounts are locked together, in ascending guest id (one SELECT ... FOR UPDATE);
- checks already applied under their keys are found together (one SELECT) and answered as replays;
- each check is quoted by the same pure rules (loyalty.rules.quote_check) against its guest's account as it
  stands after the batch's earlier checks, so two checks of one guest in a batch see each other;
- ledger entries, visits and applied checks are inserted together, the accounts and the guests' visit times
  updated together.
Checks that need row work of their own (points to spend: the FIFO lots; a promo code: its use counters; an invited
guest's first qualifying purchase: the referral bonuses, whose referrers the batch locks with its guests) go through
apply_check itself, in order, after the pending writes of their guest are flushed, so the outcome of every check
is what apply_check would have given one after another. The batch sends `checks_applied` once it is written.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guests.models import Guest, Visit
from guests.services import record_visit_times
from loyalty import rules
from loyalty.errors import IdempotencyKeyReused
from loyalty.models import AppliedCheck, LedgerEntry, LevelThresholdMode, PointsAccount
from loyalty.selectors import ProgramContext, active_promos, program_context, rolling_level_spends
from loyalty.services.checks import (
    BASE_LOT_REASON,
    CheckOutcome,
    _local_time,
    _outcome_of,
    apply_check,
    checks_applied,
    earned_lots,
    quote_for_guest,
)
from loyalty.services.ledger import check_key, locked_accounts, new_lot, require_active
from loyalty.services.levels import raise_level_if_reached
from loyalty.services.referrals import open_referrer_ids
from maxloyalty.db.fast_instances import new_instance, set_related
from maxloyalty.db.set_based_writes import insert_rows, update_rows
from maxloyalty.errors import DomainError, ValidationFailed
from maxloyalty.events import emit_after_commit

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


@dataclass
class _Computed:
    guest: Guest
    account: PointsAccount
    entries: list[LedgerEntry]
    visit: Visit
    applied: AppliedCheck
    earned: int
    refused_reason: str


@dataclass
class _Batch:
    context: ProgramContext
    promos: tuple[rules.PromoSnapshot, ...]
    accounts: dict[int, PointsAccount]
    rolling_spend: dict[int, Decimal] | None
    referrers: dict[int, int]  # invited guest id → referrer id, while the guest's referral waits for a purchase
    now: datetime.datetime = field(default_factory=timezone.now)
    computed: list[_Computed] = field(default_factory=list)
    dirty_guests: set[int] = field(default_factory=set)
    dirty_keys: set[str] = field(default_factory=set)  # computed, not written yet
    seen_keys: set[str] = field(default_factory=set)  # every key met in this batch so far
    written: list[CheckOutcome] = field(default_factory=list)  # outcomes of the computed checks, in order
    base_reason: str = field(default_factory=lambda: str(BASE_LOT_REASON))  # translated once, not per check

    @property
    def rolling_since(self) -> datetime.datetime:
        return self.now - datetime.timedelta(days=self.context.program.level_rolling_days)


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
    """The outcome now (a replay, or a check apply_check handled), or None: computed, written by _write."""
    check_key(item.idempotency_key)
    if item.check.total_amount < 0:
        raise ValidationFailed(fields={"total_amount": [str(_("Cannot be negative."))]})
    existing = applied_before.get(item.idempotency_key)
    if existing is not None:
        if existing.guest_id != item.guest.pk:
            raise IdempotencyKeyReused(idempotency_key=item.idempotency_key)
        return _outcome_of(existing, is_replay=True)
    repeated = item.idempotency_key in batch.seen_keys
    batch.seen_keys.add(item.idempotency_key)
    if item.check.points_to_spend > 0 or item.check.promo_code.strip() or repeated or _pays_referral(batch, item):
        return _through_apply_check(batch, item)
    require_active(item.guest)
    _compute(batch, item)
    return None


def _pays_referral(batch: _Batch, item: CheckToApply) -> bool:
    """A waiting referral's first qualifying purchase: rare (once per invited guest), so apply_check pays it."""
    return item.guest.pk in batch.referrers and rules.qualifies_for_referral(
        batch.context.program, item.check.total_amount
    )


def _through_apply_check(batch: _Batch, item: CheckToApply) -> CheckOutcome:
    guest_id = item.guest.pk
    referrer_id = batch.referrers.get(guest_id)
    if guest_id in batch.dirty_guests or referrer_id in batch.dirty_guests or item.idempotency_key in batch.dirty_keys:
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
        del batch.referrers[guest_id]  # paid, or closed over the cap: this guest's later checks take the fast path
    if batch.rolling_spend is not None:
        spends = rolling_level_spends(guest_ids=[guest_id], context=batch.context)
        batch.rolling_spend[guest_id] = spends.get(guest_id, Decimal(0))
    return outcome


def _compute(batch: _Batch, item: CheckToApply) -> None:
    """Quote the check against the account as it stands and build its rows (unsaved); the account moves now."""
    context, guest, check = batch.context, item.guest, item.check
    account = batch.accounts[guest.pk]
    at = _local_time(check.at, context)
    quote, _code_row, _refusal = quote_for_guest(
        guest=guest,
        check=check,  # quote_for_guest reads it in chain time itself
        available_points=account.available,
        level_id=account.level_id,
        context=context,
        promos=batch.promos,
    )
    entries = earned_lots(
        account,
        quote=quote,
        idempotency_key=item.idempotency_key,
        context=context,
        make=new_lot,
        base_reason=batch.base_reason,
        restaurant=item.restaurant,
        receipt_id=item.receipt_id,
        now=timezone.now(),  # as apply_check would: FIFO takes lots of equal expiry by this time
    )
    related = {"guest": guest, "restaurant": item.restaurant}
    visit = new_instance(
        Visit,
        related,
        visited_at=at,
        check_amount=check.total_amount,
        currency=check.currency,
        points_earned=quote.earn_points,
        points_spent=0,
        receipt_id=item.receipt_id,
    )
    applied = new_instance(
        AppliedCheck,
        related,
        idempotency_key=item.idempotency_key,
        receipt_id=item.receipt_id,
        total_amount=check.total_amount,
        currency=check.currency,
        checked_at=at,
        points_earned=quote.earn_points,
        points_spent=0,
        refused_reason=quote.refused_reason,
    )
    account.lifetime_spend_amount += check.total_amount
    spend = None
    if batch.rolling_spend is not None:
        if at >= batch.rolling_since:
            batch.rolling_spend[guest.pk] = batch.rolling_spend.get(guest.pk, Decimal(0)) + check.total_amount
        spend = batch.rolling_spend.get(guest.pk, Decimal(0))
    raise_level_if_reached(account=account, context=context, spend=spend)
    batch.computed.append(
        _Computed(
            guest=guest,
            account=account,
            entries=entries,
            visit=visit,
            applied=applied,
            earned=quote.earn_points,
            refused_reason=quote.refused_reason,
        )
    )
    batch.dirty_guests.add(guest.pk)
    batch.dirty_keys.add(item.idempotency_key)


def _write(batch: _Batch) -> None:
    """Insert the computed checks' rows, update their accounts and guests; their outcomes go to batch.written."""
    computed = batch.computed
    if not computed:
        return
    insert_rows(LedgerEntry, [entry for item in computed for entry in item.entries])
    insert_rows(Visit, [item.visit for item in computed])
    for item in computed:
        set_related(item.applied, "visit", item.visit)
        item.applied.entry_ids = [entry.pk for entry in item.entries]
    insert_rows(AppliedCheck, [item.applied for item in computed])
    times: dict[int, tuple[datetime.datetime, datetime.datetime]] = {}
    for item in computed:
        at = item.visit.visited_at
        first, last = times.get(item.guest.pk, (at, at))
        times[item.guest.pk] = (min(first, at), max(last, at))
    record_visit_times(times)
    now = timezone.now()
    accounts = [batch.accounts[guest_id] for guest_id in sorted(batch.dirty_guests)]
    for account in accounts:
        account.updated_at = now
    update_rows(
        PointsAccount,
        accounts,
        ["available", "pending", "lifetime_spend_amount", "level", "level_since", "updated_at"],
    )
    outcomes = [
        CheckOutcome(
            earned=item.earned,
            spent=0,
            refused_reason=item.refused_reason,
            visit=item.visit,
            entries=tuple(item.entries),
            applied_check=item.applied,
        )
        for item in computed
    ]
    emit_after_commit(
        checks_applied,
        sender=AppliedCheck,
        applied=[(item.guest, outcome) for item, outcome in zip(computed, outcomes, strict=True)],
    )
    batch.written.extend(outcomes)
    batch.computed = []
    batch.dirty_guests.clear()
    batch.dirty_keys.clear()
