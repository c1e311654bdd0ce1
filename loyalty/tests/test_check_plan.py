"""The plan of a check (loyalty.check_plan): what both check writers write, decided without a database.

Quotes come from loyalty.rules.quote_check, as the writers get them; the plan turns the quote and the account as
the check finds it into the ledger lots and deduction, the visit's and applied check's figures, the promo code's
use, the spend toward levels, the level move and the account after the check.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from loyalty.check_plan import AccountState, CheckTexts, plan_check
from loyalty.models import EntryKind
from loyalty.rules import Check, LevelSnapshot, ProgramSnapshot, PromoSnapshot, quote_check, redemption_share_limit

NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)
TEXTS = CheckTexts(earned="earned", paid="paid")
SILVER = LevelSnapshot(id=1, name="Silver", threshold_amount=Decimal(0), earn_rate_percent=Decimal(5))
GOLD = LevelSnapshot(
    id=2, name="Gold", threshold_amount=Decimal(3000), earn_rate_percent=Decimal(10), redemption_cap_percent=Decimal(80)
)
LEVELS = (SILVER, GOLD)


def _plan(
    check: Check,
    *,
    state: AccountState,
    program: ProgramSnapshot | None = None,
    promos: tuple[PromoSnapshot, ...] = (),
    code_promo_id: int | None = None,
    code_refusal: str = "",
):
    program = program or ProgramSnapshot()
    level = next((level for level in LEVELS if level.id == state.level_id), None)
    quote = quote_check(program, level, promos, check, state.available)
    return plan_check(
        state=state,
        quote=quote,
        check=check,
        idempotency_key="pos:1",
        program=program,
        levels=LEVELS,
        texts=TEXTS,
        now=NOW,
        code_promo_id=code_promo_id,
        code_refusal=code_refusal,
    )


def _state(available: int = 0, *, spend: str = "0", level_id: int | None = 1, rolling: str = "0") -> AccountState:
    return AccountState(
        available=available,
        pending=0,
        lifetime_spend_amount=Decimal(spend),
        level_id=level_id,
        rolling_spend=Decimal(rolling),
    )


def test_a_check_earns_a_base_lot_and_a_lot_per_applied_promo_spendable_at_once_without_a_delay():
    bonus = PromoSnapshot(id=7, name="Bonus", bonus_points=20, combination="stackable")
    plan = _plan(Check(total_amount=Decimal(1000), at=NOW), state=_state(5), promos=(bonus,))
    assert [(lot.kind, lot.points, lot.key, lot.reason) for lot in plan.lots] == [
        (EntryKind.ACCRUAL, 50, "pos:1:earn", "earned"),
        (EntryKind.PROMO_BONUS, 20, "pos:1:promo:7", "Bonus"),
    ]
    assert (plan.earned, plan.spent, plan.deduction) == (70, 0, None)
    assert (plan.after.available, plan.after.pending) == (75, 0)
    assert plan.after.lifetime_spend_amount == Decimal(1000)


def test_earned_points_wait_as_pending_for_the_activation_delay():
    plan = _plan(
        Check(total_amount=Decimal(1000), at=NOW), state=_state(5), program=ProgramSnapshot(activation_delay_hours=24)
    )
    assert [lot.delay_hours for lot in plan.lots] == [24]
    assert (plan.after.available, plan.after.pending) == (5, 50)


def test_spent_points_are_one_deduction_and_leave_the_account_at_once():
    plan = _plan(Check(total_amount=Decimal(1000), points_to_spend=300, at=NOW), state=_state(400))
    assert (plan.deduction.points, plan.deduction.key, plan.deduction.reason) == (300, "pos:1:spend", "paid")
    assert plan.spent == 300
    assert plan.after.available == 400 - 300 + plan.earned


def test_spending_is_held_to_the_share_cap_of_the_level_else_of_the_program():
    program = ProgramSnapshot(max_redeem_share_percent=Decimal(50))
    assert redemption_share_limit(program, SILVER, Decimal(1000)) == (500, Decimal(50))
    assert redemption_share_limit(program, GOLD, Decimal(1000)) == (800, Decimal(80))
    plan = _plan(Check(total_amount=Decimal(1000), points_to_spend=900, at=NOW), state=_state(2000), program=program)
    assert plan.spent == 500
    assert "50%" in plan.refused_reason


def test_crossing_a_threshold_moves_the_level_up_after_earning_at_the_old_rate():
    plan = _plan(Check(total_amount=Decimal(1000), at=NOW), state=_state(spend="2500"))
    assert plan.earned == 50  # Silver's 5 %, not Gold's 10 %
    assert plan.level_move is not None
    assert (plan.level_move.from_level, plan.level_move.to_level, plan.level_move.spend_amount) == (
        SILVER,
        GOLD,
        Decimal(3500),
    )
    assert plan.after.level_id == GOLD.id


def test_a_check_never_moves_a_level_down():
    plan = _plan(Check(total_amount=Decimal(100), at=NOW), state=_state(spend="100", level_id=GOLD.id))
    assert plan.level_move is None
    assert plan.after.level_id == GOLD.id


def test_with_rolling_thresholds_only_a_check_inside_the_period_counts_toward_the_level():
    program = ProgramSnapshot(level_threshold_mode="rolling", level_rolling_days=30)
    old = _plan(
        Check(total_amount=Decimal(1000), at=NOW - datetime.timedelta(days=31)),
        state=_state(spend="9000", rolling="2500"),
        program=program,
    )
    assert old.level_move is None
    assert (old.after.lifetime_spend_amount, old.after.rolling_spend) == (Decimal(10000), Decimal(2500))
    recent = _plan(Check(total_amount=Decimal(1000), at=NOW), state=_state(rolling="2500"), program=program)
    assert recent.level_move is not None and recent.level_move.spend_amount == Decimal(3500)


def test_a_promo_code_use_is_recorded_only_when_its_promo_applied_and_a_refused_code_is_said_after_the_quote():
    coded = PromoSnapshot(id=9, name="Coded", bonus_points=100, combination="stackable", codes=frozenset({"TREAT"}))
    used = _plan(
        Check(total_amount=Decimal(500), promo_code="treat", at=NOW), state=_state(), promos=(coded,), code_promo_id=9
    )
    assert used.records_code_use
    unused = _plan(Check(total_amount=Decimal(500), at=NOW), state=_state(), promos=(coded,), code_promo_id=9)
    assert not unused.records_code_use
    refused = _plan(
        Check(total_amount=Decimal(500), points_to_spend=10, at=NOW), state=_state(0), code_refusal="unknown code"
    )
    assert refused.refused_reason.endswith("; unknown code") and not refused.records_code_use
