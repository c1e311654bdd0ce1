"""apply_checks (a batch) leaves exactly what apply_check one after another leaves: same outcomes, same rows.

Two identical groups of guests get the same random sequence of checks: group A through apply_check one by one,
group B through one apply_checks call. Levels are crossed inside the batch, guests repeat, some checks spend
points or carry a promo code (those go through apply_check inside the batch), some keys repeat (replays), one
guest is blocked and one check is negative (refusals). Guest 0 invited guests 1 and 2: their first qualifying
purchases pay the referral bonuses (inside the batch through apply_check), within the referrer's cap.
"""

from __future__ import annotations

import datetime
import random
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum

from guests.models import GuestStatus
from loyalty.errors import GuestNotActive
from loyalty.models import AppliedCheck, LedgerEntry, LevelChange, PointsAccount, Referral
from loyalty.rules import Check, CheckLine
from loyalty.services import (
    CheckToApply,
    apply_check,
    apply_checks,
    create_level,
    create_promo,
    create_promo_code,
    record_referral,
)
from loyalty.tests.factories import GuestFactory
from maxloyalty.errors import DomainError

GUESTS = 4


def _program(program: Any, *, rolling: bool, delay: int, referral_cap: int) -> None:
    program(
        activation_delay_hours=delay,
        level_threshold_mode="rolling" if rolling else "lifetime",
        level_rolling_days=30,
        expiry_days=90,
        referral_bonus_points=250,
        referred_bonus_points=70,
        referral_min_check_amount=Decimal(400),
        referral_max_per_guest=referral_cap,
    )
    create_level(actor=None, name="Silver", threshold_amount=Decimal(0), earn_rate_percent=Decimal(5))
    create_level(actor=None, name="Gold", threshold_amount=Decimal(3000), earn_rate_percent=Decimal(10))
    create_promo(actor=None, name="Desserts x3", multiplier=Decimal(3), categories=["desserts"])
    treat = create_promo(actor=None, name="Treat", bonus_points=100, combination="stackable")
    create_promo_code(promo=treat, code="TREAT", actor=None, max_uses_per_guest=2)


def _script(seed: int) -> list[dict[str, Any]]:
    """The same steps for both groups: guest index, amount, lines, spend, code, key number."""
    rng = random.Random(seed)
    start = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)
    steps: list[dict[str, Any]] = []
    for number in range(40):
        served = [step for step in steps if step["guest"] != GUESTS - 1 and step["amount"] > 0]
        if number in (12, 25) and served:
            steps.append(dict(served[-1 if number == 25 else 0]))  # a POS retry: same key, same check
            continue
        amount = Decimal(rng.choice([150, 400, 900, 1300, 2600]))
        dessert = Decimal(rng.choice([0, 0, 100, 250]))
        steps.append(
            {
                "guest": rng.randrange(GUESTS),
                "amount": amount if number != 17 else Decimal(-5),
                "dessert": min(dessert, amount),
                "spend": rng.choice([0, 0, 0, 0, 60, 200, 5000]),
                "code": "TREAT" if rng.random() < 0.12 else "",
                "key": number,
                "at": start + datetime.timedelta(minutes=37 * number),
            }
        )
    return steps


def _check(step: dict[str, Any]) -> Check:
    lines = [CheckLine(sku="1", name="Main", category="mains", quantity=Decimal(1), price=step["amount"])]
    if step["dessert"] > 0 and step["amount"] > step["dessert"]:
        lines = [
            CheckLine(
                sku="1", name="Main", category="mains", quantity=Decimal(1), price=step["amount"] - step["dessert"]
            ),
            CheckLine(sku="2", name="Cake", category="desserts", quantity=Decimal(1), price=step["dessert"]),
        ]
    return Check(
        total_amount=step["amount"],
        lines=tuple(lines),
        points_to_spend=step["spend"],
        promo_code=step["code"],
        at=step["at"],
    )


def _summary(result: Any) -> tuple[Any, ...]:
    if isinstance(result, DomainError):
        return ("refused", result.code)
    return (result.earned, result.spent, result.refused_reason, result.is_replay, len(result.entries))


def _same_key(key: str, prefix: str) -> str:
    """A key as both groups spell it: without the group's prefix, a referral's key without its row id."""
    return re.sub(r"^referral:\d+:", "referral:", key.removeprefix(prefix))


def _state(guest: Any, prefix: str) -> dict[str, Any]:
    guest.refresh_from_db()
    # An account with nothing on it and no row at all are the same state (the batch locks every guest's account,
    # creating it, before it knows that a blocked guest's check is refused).
    account = PointsAccount.objects.filter(guest=guest).exclude(available=0, pending=0, lifetime_spend_amount=0).first()
    entries = LedgerEntry.objects.filter(guest=guest).order_by("id")
    return {
        "account": None
        if account is None
        else (
            account.available,
            account.pending,
            account.lifetime_spend_amount,
            account.level_id,
            bool(account.level_since),
        ),
        "ledger_sum": entries.aggregate(total=Sum("points"))["total"],
        "entries": [
            (e.kind, e.points, e.remaining_points, e.is_pending, e.reason, _same_key(e.idempotency_key, prefix))
            for e in entries
        ],
        "referral": [
            (
                bool(r.paid_at),
                r.applied_check.idempotency_key.removeprefix(prefix) if r.applied_check else None,
                r.is_over_cap,
                r.payments,
                len(r.entry_ids),
            )
            for r in Referral.objects.filter(guest=guest).select_related("applied_check")
        ],
        "checks": [
            (
                c.idempotency_key.removeprefix(prefix),
                c.total_amount,
                c.points_earned,
                c.points_spent,
                c.refused_reason,
                len(c.entry_ids),
                c.checked_at,
            )
            for c in AppliedCheck.objects.filter(guest=guest).order_by("id")
        ],
        "visits": [
            (v.visited_at, v.check_amount, v.points_earned, v.points_spent) for v in guest.visits.order_by("id")
        ],
        "visit_times": (guest.first_visit_at, guest.last_visit_at),
        "level_changes": list(
            LevelChange.objects.filter(guest=guest).order_by("id").values_list("to_level_id", flat=True)
        ),
    }


@pytest.mark.parametrize(
    ("seed", "rolling", "delay", "referral_cap"),
    [(1, False, 0, 10), (2, True, 0, 1), (3, False, 24, 1), (4, True, 24, 10)],
)
def test_a_batch_leaves_what_one_check_after_another_leaves(alpha, program, seed, rolling, delay, referral_cap):
    _program(program, rolling=rolling, delay=delay, referral_cap=referral_cap)
    one_by_one = [GuestFactory() for _ in range(GUESTS)]
    batched = [GuestFactory() for _ in range(GUESTS)]
    for group in (one_by_one, batched):
        group[3].status = GuestStatus.BLOCKED
        group[3].save(update_fields=["status"])
        record_referral(guest=group[1], referrer=group[0])
        record_referral(guest=group[2], referrer=group[0])
    steps = _script(seed)

    sequential = []
    for step in steps:
        try:
            sequential.append(
                apply_check(
                    guest=one_by_one[step["guest"]],
                    check=_check(step),
                    restaurant=None,
                    idempotency_key=f"A-{step['key']}",
                )
            )
        except DomainError as refusal:
            sequential.append(refusal)
    together = apply_checks(
        [
            CheckToApply(
                guest=batched[step["guest"]], check=_check(step), restaurant=None, idempotency_key=f"B-{step['key']}"
            )
            for step in steps
        ]
    )

    assert [_summary(result) for result in together] == [_summary(result) for result in sequential]
    assert any(isinstance(result, GuestNotActive) for result in together)
    assert any(not isinstance(result, DomainError) and result.is_replay for result in together)
    for guest_a, guest_b in zip(one_by_one, batched, strict=True):
        state_a, state_b = _state(guest_a, "A-"), _state(guest_b, "B-")
        for aspect in state_a:
            assert state_b[aspect] == state_a[aspect], aspect
        if state_b["account"] is not None:
            assert state_b["account"][0] + state_b["account"][1] == state_b["ledger_sum"]
    assert any(_state(guest, "B-")["level_changes"] for guest in batched)  # a threshold was crossed in the batch
    paid = Referral.objects.filter(guest__in=batched, paid_at__isnull=False).count()
    assert paid == min(2, referral_cap)  # both invited guests bought: the cap, not the script, decides


def test_a_key_applied_before_the_batch_is_a_replay_and_a_key_of_another_guest_is_refused(alpha):
    first, second = GuestFactory(), GuestFactory()
    check = Check(total_amount=Decimal(1000))
    earlier = apply_check(guest=first, check=check, restaurant=None, idempotency_key="K-1")
    replay, clash = apply_checks(
        [
            CheckToApply(guest=first, check=check, restaurant=None, idempotency_key="K-1"),
            CheckToApply(guest=second, check=check, restaurant=None, idempotency_key="K-1"),
        ]
    )
    assert replay.is_replay and replay.applied_check.pk == earlier.applied_check.pk
    assert clash.code == "idempotency_key_reused"
    assert LedgerEntry.objects.filter(guest=second).count() == 0
