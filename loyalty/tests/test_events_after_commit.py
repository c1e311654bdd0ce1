"""The loyalty program's events (loyalty.events) are sent after commit, once per write that happened, from every
write path: the single check and the POS drain's batch writer, the program's bonuses, manual grants, the nightly
jobs. A rolled-back write and a replay under an idempotency key send nothing; a failing receiver is logged and
does not keep the others from running."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.dispatch import Signal
from django.test import TestCase
from django.utils import timezone

from loyalty.events import checks_applied, level_changed, points_changed, points_granted
from loyalty.models import EntryKind, LedgerEntry, LevelChangeReason
from loyalty.rules import Check
from loyalty.selectors import chain_today
from loyalty.services import (
    accrue_points,
    adjust_points,
    apply_check,
    create_level,
    expire_points,
    grant_birthday_bonuses,
    record_referral,
    redeem_points,
    reevaluate_levels,
    update_program_settings,
)
from tests.checks import CheckSpec, committed_effects, register_guest, send_checks


@pytest.fixture
def heard() -> Iterator[Callable[[Signal], list[dict[str, Any]]]]:
    """heard(event): the list of payloads `event` delivers from now on (connected for this test only)."""
    connected: list[tuple[Signal, Callable[..., None]]] = []

    def listen(event: Signal) -> list[dict[str, Any]]:
        payloads: list[dict[str, Any]] = []

        def record(sender: type, **payload: Any) -> None:
            payload.pop("signal", None)
            payloads.append(payload)

        event.connect(record, weak=False)
        connected.append((event, record))
        return payloads

    yield listen
    for event, record in connected:
        event.disconnect(record)


def _kinds(payloads: list[dict[str, Any]]) -> list[str]:
    return [entry.kind for payload in payloads for entry in payload["entries"]]


def test_a_check_sent_through_the_pos_drain_is_announced_once_after_commit(alpha, heard) -> None:
    applied = heard(checks_applied)
    guest = register_guest()

    check = CheckSpec(total_amount="1000.00", guest=guest, external_id="ev-pos-1", closed_at=timezone.now())
    receipt = send_checks(alpha, [check])[0]

    assert len(applied) == 1
    [(announced_guest, outcome)] = applied[0]["applied"]
    assert (announced_guest.pk, outcome.applied_check.receipt_id, outcome.earned) == (guest.pk, receipt.pk, 50)
    send_checks(alpha, [check])  # the POS sends the same check again: nothing new is applied
    assert len(applied) == 1


def test_a_check_is_not_announced_before_its_transaction_commits(alpha, heard) -> None:
    applied = heard(checks_applied)
    guest = register_guest()

    with TestCase.captureOnCommitCallbacks(execute=False) as pending:
        apply_check(guest=guest, check=Check(total_amount=Decimal(500)), restaurant=None, idempotency_key="ev-1")
        assert applied == []
    for callback in pending:
        callback()

    assert len(applied) == 1


def test_a_rolled_back_grant_is_never_announced(alpha, heard) -> None:
    granted = heard(points_granted)
    guest = register_guest()

    with committed_effects(), pytest.raises(RuntimeError), transaction.atomic():
        accrue_points(guest=guest, points=10, kind=EntryKind.WELCOME, idempotency_key="ev-rolled-back")
        raise RuntimeError("the caller's transaction fails after the grant")

    assert granted == []


def test_program_bonuses_and_manual_grants_are_announced_once_and_replays_not(alpha, heard) -> None:
    granted = heard(points_granted)
    update_program_settings(actor=None, changes={"welcome_bonus_points": 100, "birthday_bonus_points": 300})
    today = chain_today()
    guest = register_guest(birthday=today.replace(year=1990) if (today.month, today.day) != (2, 29) else None)
    with committed_effects():
        grant_birthday_bonuses(today=today)
        grant_birthday_bonuses(today=today)  # the nightly job runs twice: one birthday bonus
        accrue_points(guest=guest, points=40, kind=EntryKind.WELCOME, idempotency_key="ev-grant", actor=None)
        accrue_points(guest=guest, points=40, kind=EntryKind.WELCOME, idempotency_key="ev-grant", actor=None)

    expected = [EntryKind.WELCOME, EntryKind.WELCOME]
    if guest.birthday is not None:
        expected.insert(1, EntryKind.BIRTHDAY)
    assert _kinds(granted) == expected


def test_a_referral_paid_by_a_check_is_announced_as_a_grant(alpha, heard) -> None:
    granted = heard(points_granted)
    update_program_settings(
        actor=None, changes={"referral_bonus_points": 300, "referred_bonus_points": 100, "welcome_bonus_points": 0}
    )
    referrer, newcomer = register_guest(), register_guest()
    record_referral(guest=newcomer, referrer=referrer)

    send_checks(alpha, [CheckSpec(total_amount="1000.00", guest=newcomer)])

    assert sorted((entry.guest_id, entry.points) for entry in granted[0]["entries"]) == sorted(
        [(referrer.pk, 300), (newcomer.pk, 100)]
    )


def test_the_nightly_expiry_is_announced(alpha, heard) -> None:
    changed = heard(points_changed)
    update_program_settings(actor=None, changes={"welcome_bonus_points": 80, "expiry_days": 1})
    guest = register_guest()

    with committed_effects():
        expire_points(today=chain_today() + datetime.timedelta(days=5))

    assert [(entry.guest_id, entry.kind, entry.points) for entry in changed[0]["entries"]] == [
        (guest.pk, EntryKind.EXPIRY, -80)
    ]


def test_a_level_moved_by_the_nightly_job_is_announced(alpha, heard) -> None:
    moved = heard(level_changed)
    update_program_settings(actor=None, changes={"level_threshold_mode": "lifetime"})
    guest = register_guest()
    send_checks(alpha, [CheckSpec(total_amount="3000.00", guest=guest)])  # no levels yet: nothing moves
    assert moved == []
    gold = create_level(actor=None, name="Gold", threshold_amount=Decimal(2000), earn_rate_percent=Decimal(10))

    with committed_effects():
        assert reevaluate_levels(today=chain_today()) == 1

    [change] = moved[0]["changes"]
    assert (change.guest_id, change.to_level_id, change.reason) == (guest.pk, gold.pk, LevelChangeReason.NIGHTLY)


def test_a_failing_receiver_does_not_keep_the_others_from_running(alpha, heard, caplog) -> None:
    def broken(sender: type, **_payload: Any) -> None:
        raise RuntimeError("a receiver's bug")

    points_granted.connect(broken, weak=False, dispatch_uid="test-broken-receiver")
    try:
        guest = register_guest()
        granted = heard(points_granted)  # connected after the broken one: runs after it
        with caplog.at_level(logging.ERROR, logger="maxloyalty.events"), committed_effects():
            accrue_points(guest=guest, points=25, kind=EntryKind.WELCOME, idempotency_key="ev-broken")
    finally:
        points_granted.disconnect(dispatch_uid="test-broken-receiver")

    assert _kinds(granted) == [EntryKind.WELCOME]
    assert "a receiver's bug" in caplog.text


def test_every_ledger_entry_is_announced_exactly_once(alpha, heard) -> None:
    """Whatever wrote it (check writers, bonuses, grants, redemptions, adjustments, refunds, expiry), a ledger entry
    reaches the receivers once: a new writer that forgets its event fails here."""
    applied, granted, changed = heard(checks_applied), heard(points_granted), heard(points_changed)
    update_program_settings(
        actor=None,
        changes={
            "welcome_bonus_points": 500,
            "referral_bonus_points": 70,
            "referred_bonus_points": 30,
            "expiry_days": 1,
        },
    )
    referrer, guest = register_guest(), register_guest()
    record_referral(guest=guest, referrer=referrer)
    send_checks(alpha, [CheckSpec(total_amount="1000.00", guest=guest, external_id="ev-all-1", points_to_spend=100)])
    send_checks(alpha, [CheckSpec(total_amount="800.00", guest=guest, external_id="ev-all-2")])
    send_checks(alpha, [CheckSpec(total_amount="800.00", external_id="ev-all-2", is_refund=True)])
    with committed_effects():
        apply_check(guest=referrer, check=Check(total_amount=Decimal(300)), restaurant=None, idempotency_key="ev-all-3")
        accrue_points(guest=guest, points=40, kind=EntryKind.WELCOME, idempotency_key="ev-all-grant")
        redeem_points(guest=guest, points=20, idempotency_key="ev-all-redeem")
        adjust_points(guest=referrer, points=-10, reason="correction", actor=None, idempotency_key="ev-all-adjust")
        expire_points(today=chain_today() + datetime.timedelta(days=5))

    announced = [entry.pk for _guest, outcome in _applied(applied) for entry in outcome.entries]
    announced += [entry.pk for payload in granted + changed for entry in payload["entries"]]
    written = list(LedgerEntry.objects.filter(guest__in=[guest, referrer]).values_list("pk", flat=True))
    assert sorted(announced) == sorted(written)
    assert {EntryKind.REFERRAL, EntryKind.REVERSAL, EntryKind.EXPIRY, EntryKind.REDEMPTION} <= set(
        LedgerEntry.objects.filter(pk__in=written).values_list("kind", flat=True)
    )


def _applied(payloads: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    return [pair for payload in payloads for pair in payload["applied"]]
