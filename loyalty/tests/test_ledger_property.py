"""Property: after any sequence of operations, every balance equals the sum of its ledger and is never negative.

Hypothesis draws thousands of operations in total (accrue, redeem, adjust, reverse, expire, activate, checks,
retries with a used key) over three guests, with and without an activation delay and expiry.
"""

import contextlib
import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.errors import AlreadyReversed, InsufficientPoints, NotReversible
from loyalty.models import EntryKind, LedgerEntry
from loyalty.rules import Check
from loyalty.selectors import chain_today
from loyalty.services import (
    accrue_points,
    activate_pending_points,
    adjust_points,
    apply_check,
    expire_points,
    redeem_points,
    reverse_entry,
    update_program_settings,
)
from loyalty.tests.factories import GuestFactory
from loyalty.tests.ledger_checks import assert_balance_matches_ledger

GUESTS = 3
guest_index = st.integers(0, GUESTS - 1)
operation = st.one_of(
    st.tuples(st.just("accrue"), guest_index, st.integers(1, 400)),
    st.tuples(st.just("redeem"), guest_index, st.integers(1, 400)),
    st.tuples(st.just("adjust"), guest_index, st.integers(-300, 300).filter(bool)),
    st.tuples(st.just("reverse"), guest_index, st.integers(0, 1000)),
    st.tuples(st.just("expire"), st.integers(0, 70)),
    st.tuples(st.just("activate"), st.integers(0, 3)),
    st.tuples(st.just("check"), guest_index, st.integers(0, 5000), st.integers(0, 600)),
    st.tuples(st.just("retry")),
)


class Operations:
    """Runs drawn operations; "retry" repeats the previous call with its key (it must change nothing new)."""

    def __init__(self, guests):
        self.guests = guests
        self.number = 0
        self.last = None

    def run(self, operation):
        if operation[0] == "retry":
            if self.last is not None:
                self.last()
            return
        self.number += 1
        call = self.prepare(operation, key=f"op-{self.number}")
        self.last = call
        if call is not None:
            call()

    def prepare(self, operation, *, key):
        name, args = operation[0], operation[1:]
        if name == "accrue":
            return lambda: accrue_points(
                guest=self.guests[args[0]], points=args[1], kind=EntryKind.ACCRUAL, idempotency_key=key
            )
        if name == "redeem":
            return lambda: redeem_points(guest=self.guests[args[0]], points=args[1], idempotency_key=key)
        if name == "adjust":
            return lambda: adjust_points(
                guest=self.guests[args[0]], points=args[1], reason="property", actor=None, idempotency_key=key
            )
        if name == "reverse":
            entries = list(LedgerEntry.objects.filter(guest=self.guests[args[0]]).order_by("id"))
            if not entries:
                return None
            entry = entries[args[1] % len(entries)]
            return lambda: reverse_entry(entry=entry, actor=None, idempotency_key=key)
        if name == "expire":
            return lambda: expire_points(today=chain_today() + datetime.timedelta(days=args[0]))
        if name == "activate":
            return lambda: activate_pending_points(now=timezone.now() + datetime.timedelta(hours=args[0]))
        check = Check(total_amount=Decimal(args[1]), points_to_spend=args[2])
        return lambda: apply_check(guest=self.guests[args[0]], check=check, restaurant=None, idempotency_key=key)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    operations=st.lists(operation, min_size=10, max_size=80),
    activation_delay_hours=st.sampled_from([0, 2]),
    expiry_days=st.sampled_from([0, 30]),
)
def test_balance_always_equals_sum_of_entries_and_is_never_negative(
    alpha, operations, activation_delay_hours, expiry_days
):
    with transaction.atomic():
        update_program_settings(
            actor=None,
            changes={"activation_delay_hours": activation_delay_hours, "expiry_days": expiry_days},
        )
        guests = [GuestFactory() for _ in range(GUESTS)]
        runner = Operations(guests)
        for step in operations:
            with contextlib.suppress(InsufficientPoints, AlreadyReversed, NotReversible):  # refusals are fine
                runner.run(step)
            for guest in guests:
                assert_balance_matches_ledger(guest)
        transaction.set_rollback(True)
