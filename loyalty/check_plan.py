"""Planning a check: the guest's account as the check finds it, the check's quote and the check → what to write.

Pure, no database. Both check writers persist what plan_check decides and decide nothing themselves:
loyalty.services.checks.apply_check (one check, at the till or from the POS) and
loyalty.services.check_batches.apply_checks (many POS checks together). A plan holds the deduction and the
earned lots of the ledger, the figures of the visit and of the applied check, whether the promo code's use is
recorded, the spend added toward levels, the level the check moves the guest to, and the account after it
(so a batch plans a guest's next check against it).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy

from loyalty.models import EntryKind
from loyalty.rules import Check, CheckLine, LevelSnapshot, ProgramSnapshot, Quote, level_for_spend

ZERO = Decimal(0)

EARNED_REASON = gettext_lazy("Points for the check")
PAID_REASON = gettext_lazy("Paid with points")


@dataclass(frozen=True)
class CheckTexts:
    """The ledger reasons a plan writes, translated once (a batch plans many checks with one)."""

    earned: str
    paid: str


def check_texts() -> CheckTexts:
    return CheckTexts(earned=str(EARNED_REASON), paid=str(PAID_REASON))


@dataclass(frozen=True)
class AccountState:
    """A guest's points account as a check finds it (and as the plan leaves it)."""

    available: int
    pending: int
    lifetime_spend_amount: Decimal
    level_id: int | None
    rolling_spend: Decimal = ZERO  # rolling level thresholds: the spend of the checks of the rolling period


@dataclass(frozen=True)
class PlannedLot:
    """An earned lot of the ledger: the base points or one promo's bonus, pending for `delay_hours`."""

    kind: str
    points: int
    key: str
    reason: str
    delay_hours: int


@dataclass(frozen=True)
class PlannedDeduction:
    """The points the check spends (taken from the guest's lots, soonest expiry first)."""

    points: int
    key: str
    reason: str


@dataclass(frozen=True)
class PlannedLevelMove:
    from_level: LevelSnapshot | None
    to_level: LevelSnapshot
    spend_amount: Decimal  # the spend that reached the new level's threshold


@dataclass(frozen=True)
class CheckPlan:
    """What one check writes: ledger entries (deduction first, then lots), one visit and one applied check with
    the figures below, a promo code use when `records_code_use`, the account as `after`, and a level move."""

    idempotency_key: str
    checked_at: datetime.datetime  # chain time
    total_amount: Decimal
    currency: str
    earned: int
    spent: int
    refused_reason: str
    deduction: PlannedDeduction | None
    lots: tuple[PlannedLot, ...]
    records_code_use: bool
    level_move: PlannedLevelMove | None
    before: AccountState
    after: AccountState
    lines: tuple[CheckLine, ...] = ()  # the check's, kept on the applied check for the backtest


def plan_check(
    *,
    state: AccountState,
    quote: Quote,
    check: Check,
    idempotency_key: str,
    program: ProgramSnapshot,
    levels: Sequence[LevelSnapshot],
    texts: CheckTexts,
    now: datetime.datetime,
    code_promo_id: int | None = None,
    code_refusal: str = "",
) -> CheckPlan:
    """The plan of `check` (its `at` in chain time), quoted by loyalty.rules.quote_check against `state`.

    The guest spends what the quote allows (saying why when less: the quote's refusals, then `code_refusal` of an
    unusable promo code), earns the base lot and a lot per applied promo (pending for the program's activation
    delay), and the check's total counts toward levels: lifetime spend, and in rolling mode the rolling spend when
    the check falls inside the period ending `now`. A level whose threshold that spend reaches, above the current
    one, is the guest's at once (never down here); the crossing check earned at the old level's rate already.
    The promo code's use is recorded when the promo of `code_promo_id` applied.
    """
    if check.at is None:
        raise ValueError("plan_check needs the check's time (chain time)")
    delay = program.activation_delay_hours
    lots = []
    if quote.base_points > 0:
        lots.append(PlannedLot(EntryKind.ACCRUAL, quote.base_points, f"{idempotency_key}:earn", texts.earned, delay))
    lots.extend(
        PlannedLot(EntryKind.PROMO_BONUS, promo.points, f"{idempotency_key}:promo:{promo.promo_id}", promo.name, delay)
        for promo in quote.applied_promos
    )
    earned = quote.earn_points  # the lots' sum: each part is rounded on its own (loyalty.rules)
    spent = quote.spend_points
    deduction = PlannedDeduction(spent, f"{idempotency_key}:spend", texts.paid) if spent > 0 else None

    rolling = program.level_threshold_mode == "rolling"
    in_period = check.at >= now - datetime.timedelta(days=program.level_rolling_days)
    after = dataclasses.replace(
        state,
        available=state.available - spent + (earned if delay <= 0 else 0),
        pending=state.pending + (earned if delay > 0 else 0),
        lifetime_spend_amount=state.lifetime_spend_amount + check.total_amount,
        rolling_spend=state.rolling_spend + (check.total_amount if rolling and in_period else ZERO),
    )
    move = level_move(
        levels, level_id=state.level_id, spend=after.rolling_spend if rolling else after.lifetime_spend_amount
    )
    if move is not None:
        after = dataclasses.replace(after, level_id=move.to_level.id)
    return CheckPlan(
        idempotency_key=idempotency_key,
        checked_at=check.at,
        total_amount=check.total_amount,
        currency=check.currency,
        earned=earned,
        spent=spent,
        refused_reason="; ".join(part for part in (quote.refused_reason, code_refusal) if part),
        deduction=deduction,
        lots=tuple(lots),
        records_code_use=code_promo_id is not None
        and any(promo.promo_id == code_promo_id for promo in quote.applied_promos),
        level_move=move,
        before=state,
        after=after,
        lines=check.lines,
    )


def level_move(levels: Sequence[LevelSnapshot], *, level_id: int | None, spend: Decimal) -> PlannedLevelMove | None:
    """The move up a check earns: to the highest level `spend` reaches, when above the current one."""
    if not levels:
        return None
    current = next((level for level in levels if level.id == level_id), None)
    target = level_for_spend(levels, spend)
    if target is None or (current is not None and target.threshold_amount <= current.threshold_amount):
        return None
    return PlannedLevelMove(from_level=current, to_level=target, spend_amount=spend)
