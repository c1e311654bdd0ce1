"""The per-guest rules never run inside the POS drain's transaction: the drain only queues one task after commit
(fraud.signals), which the worker runs; until then the checks are written and no flag exists. Checks arriving while
that task waits join it instead of queueing another."""

from __future__ import annotations

from django.test import TestCase

from fraud.models import FraudFlag, FraudRule
from loyalty.models import AppliedCheck
from pos.services import drain_pending_receipts
from tests.checks import CheckSpec, committed_effects, pos_connection
from tests.fixtures import ChainWorld

from .conftest import checks_within_an_hour


def _receive(world: ChainWorld, checks: list[CheckSpec]) -> None:
    """The checks received by the webhook's intake service, not processed yet (its after-commit call for a drain is
    left out: the test runs the drain itself)."""
    from zoneinfo import ZoneInfo

    from guests.phones import normalize_phone
    from pos.check_format import parse_webhook_check
    from pos.services import receive_check
    from tests.checks import _payload  # the payload tests.checks.send_checks sends

    restaurant = world.restaurants[0]
    pos = pos_connection(world, restaurant)
    for number, spec in enumerate(checks):
        check = parse_webhook_check(
            _payload(spec, f"after-commit-{number}"),
            default_currency="RUB",
            zone=ZoneInfo(world.chain.time_zone),
            normalize_phone=normalize_phone,
        )
        receive_check(connection_id=pos.pk, restaurant_id=restaurant.pk, check=check, source="webhook")


def test_the_drain_writes_the_checks_and_only_queues_the_rules(alpha, guest):
    _receive(alpha, checks_within_an_hour(alpha, guest, 5))
    with TestCase.captureOnCommitCallbacks(execute=False) as after_commit:
        drain_pending_receipts(time_budget_seconds=30, linger=False)
    assert AppliedCheck.objects.filter(guest=guest).count() == 5  # the checks are written
    assert not FraudFlag.objects.exists()  # but no rule ran in the drain's transaction
    with committed_effects():
        for callback in after_commit:
            callback()  # the commit: the events, and the task they queue (eager in tests)
    assert FraudFlag.objects.filter(rule=FraudRule.VELOCITY, guest=guest).count() == 1


def test_checks_arriving_while_the_task_is_queued_wait_for_that_one_task(alpha, guest):
    from django.core.cache import cache

    from fraud.services import PENDING_TASK_FLAG
    from fraud.tasks import check_guests_task
    from tests.checks import register_guest, send_checks

    other = register_guest(first_name="Olga", home_restaurant_id=alpha.restaurants[0].pk)
    assert cache.add(PENDING_TASK_FLAG, 1, timeout=60)  # a task is queued and has not run yet
    send_checks(alpha, checks_within_an_hour(alpha, guest, 5))  # one drain batch
    send_checks(alpha, checks_within_an_hour(alpha, other, 5))  # another
    assert not FraudFlag.objects.exists()  # both batches' guests wait; no second task was queued

    raised = check_guests_task()  # the queued task, as the worker runs it

    assert raised == 2
    assert set(FraudFlag.objects.filter(rule=FraudRule.VELOCITY).values_list("guest_id", flat=True)) == {
        guest.pk,
        other.pk,
    }
    send_checks(alpha, checks_within_an_hour(alpha, register_guest(first_name="Pavel"), 5))
    assert FraudFlag.objects.filter(rule=FraudRule.VELOCITY).count() == 3  # the flag is gone: a new task ran
