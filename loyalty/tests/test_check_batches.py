"""apply_checks (a batch) leaves exactly what apply_check one after another leaves: same outcomes, same rows, same
events.

Two identical groups of guests get the same random sequence of checks: group A through apply_check one by one,
group B through one apply_checks call. Levels are crossed inside the batch, guests repeat, some checks spend
points or carry a promo code (those go through apply_check inside the batch), some keys repeat (replays), one
guest is blocked and one check is negative (refusals). Checks carry what the POS sets: a restaurant (one promo
applies only in the second restaurant) and a receipt id, or neither, as at the till. Guest 0 invited guests 1
and 2: their first qualifying purchases pay the referral bonuses (inside the batch through apply_check), within the
referrer's cap. Both groups then refund the same checks by receipt, as the POS does, and must agree again.
Every row a check writes is compared field by field (ledger entries, visits, applied checks, promo code uses,
level changes, the account), and so is every check's `checks_applied` payload and the `level_changed` events.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Sum

from guests.services import block_guest
from loyalty.errors import GuestNotActive
from loyalty.events import checks_applied, level_changed
from loyalty.models import AppliedCheck, LedgerEntry, LevelChange, PointsAccount, PromoCodeUse, Referral
from loyalty.rules import Check, CheckLine
from loyalty.services import (
    CheckToApply,
    apply_check,
    apply_checks,
    create_level,
    create_promo,
    create_promo_code,
    record_referral,
    reverse_check,
)
from loyalty.tests.factories import GuestFactory
from maxloyalty.errors import DomainError

GUESTS = 4
RECEIPTS = {"A-": 100_000, "B-": 200_000}  # each group's receipt ids: the same numbers, offset
REFUNDED = (3, 8, 21, 30)  # steps refunded by receipt after the checks (when they were applied)


def _program(program: Any, restaurants: list[Any], *, rolling: bool, delay: int, referral_cap: int) -> None:
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
    create_promo(
        actor=None, name="Terrace", bonus_points=30, combination="stackable", restaurant_ids=[restaurants[1].pk]
    )


def _script(seed: int) -> list[dict[str, Any]]:
    """The same steps for both groups: guest index, amount, lines, spend, code, key number, restaurant index and
    whether a receipt comes with the check (the POS) or not (the till)."""
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
                "restaurant": rng.choice([0, 1, None]),
                "has_receipt": rng.random() < 0.8,
            }
        )
    return steps


def _restaurant(step: dict[str, Any], restaurants: list[Any]) -> Any:
    return None if step["restaurant"] is None else restaurants[step["restaurant"]]


def _receipt(step: dict[str, Any], prefix: str) -> int | None:
    return RECEIPTS[prefix] + step["key"] if step["has_receipt"] else None


def _check(step: dict[str, Any], restaurants: list[Any]) -> Check:
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
        restaurant_id=None if step["restaurant"] is None else restaurants[step["restaurant"]].pk,
    )


def _summary(result: Any) -> tuple[Any, ...]:
    if isinstance(result, DomainError):
        return ("refused", result.code)
    return (result.earned, result.spent, result.refused_reason, result.is_replay, len(result.entries))


def _same_key(key: str, prefix: str) -> str:
    """A key as both groups spell it: without the group's prefix (also after a refund's), a referral's key without
    its row id, a refund's without the entry id it reverses."""
    key = re.sub(r"^referral:\d+:", "referral:", key.removeprefix(prefix))
    return re.sub(r"^refund:" + re.escape(prefix) + r"(.*):\d+$", r"refund:\1", key)


def _same_receipt(receipt_id: int | None, prefix: str) -> int | None:
    return None if receipt_id is None else receipt_id - RECEIPTS[prefix]


def _entry(e: LedgerEntry, prefix: str) -> tuple[Any, ...]:
    return (
        e.kind,
        e.points,
        e.remaining_points,
        e.is_pending,
        e.reason,
        _same_key(e.idempotency_key, prefix),
        e.restaurant_id,
        _same_receipt(e.receipt_id, prefix),
        e.actor_id,
        e.expires_at is not None,
        e.reverses_id is not None,
    )


def _visit(v: Any, prefix: str) -> tuple[Any, ...]:
    return (
        v.visited_at,
        v.check_amount,
        v.currency,
        v.points_earned,
        v.points_spent,
        v.restaurant_id,
        _same_receipt(v.receipt_id, prefix),
    )


def _applied(c: AppliedCheck, prefix: str) -> tuple[Any, ...]:
    return (
        c.idempotency_key.removeprefix(prefix),
        c.total_amount,
        c.currency,
        c.points_earned,
        c.points_spent,
        c.refused_reason,
        len(c.entry_ids),
        c.checked_at,
        c.restaurant_id,
        _same_receipt(c.receipt_id, prefix),
        c.actor_id,
        c.reversed_at is not None,
        _visit(c.visit, prefix) if c.visit_id else None,
    )


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
        "entries": [_entry(e, prefix) for e in entries],
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
            _applied(c, prefix) for c in AppliedCheck.objects.filter(guest=guest).select_related("visit").order_by("id")
        ],
        "visits": [_visit(v, prefix) for v in guest.visits.order_by("id")],
        "code_uses": [
            (use.code.code, use.applied_check.idempotency_key.removeprefix(prefix))
            for use in PromoCodeUse.objects.filter(guest=guest).select_related("code", "applied_check").order_by("id")
        ],
        "visit_times": (guest.first_visit_at, guest.last_visit_at),
        "level_changes": list(
            LevelChange.objects.filter(guest=guest)
            .order_by("id")
            .values_list("from_level_id", "to_level_id", "spend_amount", "reason")
        ),
    }


@contextlib.contextmanager
def _events() -> Iterator[dict[str, list[Any]]]:
    """What checks_applied and level_changed carry while the block runs."""
    seen: dict[str, list[Any]] = {"checks": [], "levels": []}

    def on_checks(sender: Any, applied: list[Any], **kwargs: Any) -> None:
        seen["checks"].extend(applied)

    def on_levels(sender: Any, changes: list[Any], **kwargs: Any) -> None:
        seen["levels"].extend(changes)

    checks_applied.connect(on_checks, weak=False, dispatch_uid="test-differential-checks")
    level_changed.connect(on_levels, weak=False, dispatch_uid="test-differential-levels")
    try:
        yield seen
    finally:
        checks_applied.disconnect(dispatch_uid="test-differential-checks")
        level_changed.disconnect(dispatch_uid="test-differential-levels")


def _payloads(seen: dict[str, list[Any]], group: list[Any], prefix: str) -> dict[str, Any]:
    """The events of one group's checks as both groups spell them: each check's payload by its key (a check is
    announced once), and the level changes by guest."""
    index = {guest.pk: number for number, guest in enumerate(group)}
    checks: dict[str, Any] = {}
    for guest, outcome in seen["checks"]:
        if guest.pk not in index:
            continue
        key = outcome.applied_check.idempotency_key.removeprefix(prefix)
        assert key not in checks, f"{prefix}{key} announced twice"
        checks[key] = (
            index[guest.pk],
            outcome.earned,
            outcome.spent,
            outcome.refused_reason,
            outcome.is_replay,
            _visit(outcome.visit, prefix),
            [_entry(entry, prefix) for entry in outcome.entries],
            _applied(outcome.applied_check, prefix),
        )
    levels = sorted(
        (index[change.guest_id], change.spend_amount, change.from_level_id, change.to_level_id, change.reason)
        for change in seen["levels"]
        if change.guest_id in index
    )
    return {"checks": checks, "levels": levels}


def _refund(step: dict[str, Any], prefix: str) -> Any:
    """Refund a step's check as the POS does (by its receipt), or as the till does (by its key) without one."""
    try:
        if step["has_receipt"]:
            reversals = reverse_check(receipt_id=_receipt(step, prefix))
        else:
            reversals = reverse_check(idempotency_key=f"{prefix}{step['key']}")
    except DomainError as refusal:
        return ("refused", refusal.code)
    return [(entry.kind, entry.points, entry.shortfall_points) for entry in reversals]


@pytest.mark.parametrize(
    ("seed", "rolling", "delay", "referral_cap"),
    [(1, False, 0, 10), (2, True, 0, 1), (3, False, 24, 1), (4, True, 24, 10)],
)
def test_a_batch_leaves_what_one_check_after_another_leaves(
    alpha, program, django_capture_on_commit_callbacks, seed, rolling, delay, referral_cap
):
    restaurants = alpha.restaurants
    _program(program, restaurants, rolling=rolling, delay=delay, referral_cap=referral_cap)
    one_by_one = [GuestFactory() for _ in range(GUESTS)]
    batched = [GuestFactory() for _ in range(GUESTS)]
    for group in (one_by_one, batched):
        group[3] = block_guest(access=None, guest=group[3], reason="test")
        record_referral(guest=group[1], referrer=group[0])
        record_referral(guest=group[2], referrer=group[0])
    steps = _script(seed)

    with _events() as seen, django_capture_on_commit_callbacks(execute=True):  # events are sent after commit
        sequential = []
        for step in steps:
            try:
                sequential.append(
                    apply_check(
                        guest=one_by_one[step["guest"]],
                        check=_check(step, restaurants),
                        restaurant=_restaurant(step, restaurants),
                        idempotency_key=f"A-{step['key']}",
                        receipt_id=_receipt(step, "A-"),
                    )
                )
            except DomainError as refusal:
                sequential.append(refusal)
        together = apply_checks(
            [
                CheckToApply(
                    guest=batched[step["guest"]],
                    check=_check(step, restaurants),
                    restaurant=_restaurant(step, restaurants),
                    idempotency_key=f"B-{step['key']}",
                    receipt_id=_receipt(step, "B-"),
                )
                for step in steps
            ]
        )

    assert [_summary(result) for result in together] == [_summary(result) for result in sequential]
    assert any(isinstance(result, GuestNotActive) for result in together)
    assert any(not isinstance(result, DomainError) and result.is_replay for result in together)
    _assert_same_state(one_by_one, batched)
    assert any(_state(guest, "B-")["level_changes"] for guest in batched)  # a threshold was crossed in the batch
    assert any(_state(guest, "B-")["code_uses"] for guest in batched)  # a promo code was used in the batch
    paid = Referral.objects.filter(guest__in=batched, paid_at__isnull=False).count()
    assert paid == min(2, referral_cap)  # both invited guests bought: the cap, not the script, decides

    announced_a, announced_b = _payloads(seen, one_by_one, "A-"), _payloads(seen, batched, "B-")
    assert announced_b["checks"].keys() == {
        key.removeprefix("B-")
        for key in AppliedCheck.objects.filter(guest__in=batched).values_list("idempotency_key", flat=True)
    }  # every check written is announced once, a replay or a refusal never
    assert announced_b["levels"]  # the level moves are announced
    for key, payload in announced_a["checks"].items():
        assert announced_b["checks"][key] == payload, key
    assert announced_b == announced_a

    refunds = {prefix: [_refund(steps[number], prefix) for number in REFUNDED] for prefix in ("A-", "B-")}
    assert refunds["B-"] == refunds["A-"]
    assert any(isinstance(refund, list) for refund in refunds["B-"])  # some refunded checks had been applied
    _assert_same_state(one_by_one, batched)


def _assert_same_state(one_by_one: list[Any], batched: list[Any]) -> None:
    for guest_a, guest_b in zip(one_by_one, batched, strict=True):
        state_a, state_b = _state(guest_a, "A-"), _state(guest_b, "B-")
        for aspect in state_a:
            assert state_b[aspect] == state_a[aspect], aspect
        if state_b["account"] is not None:
            assert state_b["account"][0] + state_b["account"][1] == state_b["ledger_sum"]


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
