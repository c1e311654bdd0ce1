"""Marketing yields to the tills (messaging.pacing): while POS pushes come at MESSAGING_YIELD_TO_POS_PER_SECOND or
more, a batch's campaign messages and a campaign batch are queued again for later (no worker sleeps) and stay
queued; transactional messages go at once; with quiet tills, with the rule off, or once held MAX_HOLDS times,
everything goes now. Nothing is lost or sent twice. The rush is real POS traffic through the WSGI intake, counted in
the test's Redis; the tasks queued are sent to a queue of the test's own and read back, not run."""

from __future__ import annotations

from typing import Any

import pytest

from campaigns.models import CampaignRecipient, CampaignStatus
from campaigns.sending import BATCH_TASK, send_campaign_batch
from campaigns.services import send_campaign
from messaging.models import Message, MessageStatus
from messaging.pacing import LONGEST_HOLD_SECONDS, MAX_HOLDS, MESSAGE_HOLD_SECONDS, hold_seconds
from messaging.services import DELIVER_BATCH_TASK, deliver_messages, send_to_guest
from tests.queued_tasks import queued_in
from tests.till_traffic import till_rush


@pytest.fixture(autouse=True)
def _yielding_on(settings: Any) -> None:
    settings.MESSAGING_YIELD_TO_POS_PER_SECOND = 50


def _queued_campaign_messages(campaign_world: Any, count: int) -> list[int]:
    """A campaign to `count` guests, its batch written (its deliveries queued, not run)."""
    campaign_world.guests(count)
    campaign = campaign_world.campaign(campaign_world.segment(), holdout_percent=0)
    send_campaign(access=campaign_world.owner, campaign=campaign)
    with campaign_world.run(execute=False):
        assert send_campaign_batch(campaign_id=campaign.pk) == count
    return list(Message.objects.filter(kind="campaign").order_by("pk").values_list("pk", flat=True))


def _statuses(message_ids: list[int]) -> set[str]:
    return set(Message.objects.filter(pk__in=message_ids).values_list("status", flat=True))


def test_campaign_messages_are_held_while_the_tills_are_busy_then_go_once(campaign_world, queued_not_run) -> None:
    message_ids = _queued_campaign_messages(campaign_world, 3)

    with till_rush(per_second=200), campaign_world.run(execute=True):
        assert deliver_messages(message_ids=message_ids) == {}

    assert _statuses(message_ids) == {MessageStatus.QUEUED}
    assert campaign_world.email.requests == []
    (held,) = queued_in(queued_not_run)  # one task, later: the same messages, held once
    assert (held.name, held.kwargs, held.eta is not None) == (
        DELIVER_BATCH_TASK,
        {"message_ids": message_ids, "holds": 1},
        True,
    )

    results = deliver_messages(message_ids=message_ids, holds=1)  # the held task, the rush over
    assert {result.status for result in results.values()} == {MessageStatus.SENT}
    assert len(campaign_world.email.requests) == 3
    deliver_messages(message_ids=message_ids, holds=1)  # handed over again (the tick): nothing sent twice
    assert len(campaign_world.email.requests) == 3


def test_campaign_messages_go_at_once_when_the_tills_are_quiet(campaign_world, queued_not_run) -> None:
    message_ids = _queued_campaign_messages(campaign_world, 3)

    results = deliver_messages(message_ids=message_ids)

    assert {result.status for result in results.values()} == {MessageStatus.SENT}
    assert len(campaign_world.email.requests) == 3
    assert queued_in(queued_not_run) == []


def test_yielding_off_lets_marketing_through_a_rush(campaign_world, settings, queued_not_run) -> None:
    settings.MESSAGING_YIELD_TO_POS_PER_SECOND = 0
    message_ids = _queued_campaign_messages(campaign_world, 3)

    with till_rush(per_second=200):
        results = deliver_messages(message_ids=message_ids)

    assert {result.status for result in results.values()} == {MessageStatus.SENT}
    assert queued_in(queued_not_run) == []


def test_messages_held_max_holds_times_go_through_a_rush(campaign_world, queued_not_run) -> None:
    message_ids = _queued_campaign_messages(campaign_world, 2)

    with till_rush(per_second=200):
        results = deliver_messages(message_ids=message_ids, holds=MAX_HOLDS)

    assert {result.status for result in results.values()} == {MessageStatus.SENT}
    assert queued_in(queued_not_run) == []


def test_transactional_messages_go_at_once_through_a_rush(campaign_world, queued_not_run) -> None:
    guest = campaign_world.guests(1)[0]
    with campaign_world.run(execute=False):
        message = send_to_guest(guest=guest, kind="receipt", dedupe_key="receipt:1", text="Thank you: +10 points")

    with till_rush(per_second=200):
        results = deliver_messages(message_ids=[message.pk])

    assert results[message.pk].status == MessageStatus.SENT
    assert len(campaign_world.email.requests) == 1
    assert queued_in(queued_not_run) == []


def test_a_campaign_batch_is_held_while_the_tills_are_busy_then_written(campaign_world, queued_not_run) -> None:
    campaign_world.guests(2)
    campaign = campaign_world.campaign(campaign_world.segment(), holdout_percent=0)
    send_campaign(access=campaign_world.owner, campaign=campaign)

    with till_rush(per_second=200), campaign_world.run(execute=True):
        assert send_campaign_batch(campaign_id=campaign.pk) == 0

    (held,) = queued_in(queued_not_run)
    assert (held.name, held.kwargs, held.eta is not None) == (
        BATCH_TASK,
        {"campaign_id": campaign.pk, "holds": 1},
        True,
    )
    assert not CampaignRecipient.objects.filter(campaign=campaign).exists()  # not even split
    assert not Message.objects.filter(kind="campaign").exists()

    with campaign_world.run(execute=False):
        assert send_campaign_batch(campaign_id=campaign.pk, holds=1) == 2  # the held task, the rush over
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_a_campaign_batch_held_max_holds_times_is_written_through_a_rush(campaign_world, queued_not_run) -> None:
    campaign_world.guests(2)
    campaign = campaign_world.campaign(campaign_world.segment(), holdout_percent=0)
    send_campaign(access=campaign_world.owner, campaign=campaign)

    with till_rush(per_second=200), campaign_world.run(execute=False):
        assert send_campaign_batch(campaign_id=campaign.pk, holds=MAX_HOLDS) == 2


def test_a_long_rush_holds_each_batch_longer_each_time_up_to_a_ceiling() -> None:
    waits = [hold_seconds(MESSAGE_HOLD_SECONDS, holds) for holds in range(MAX_HOLDS)]

    assert waits[:4] == [MESSAGE_HOLD_SECONDS * 2**holds for holds in range(4)]
    assert waits == sorted(waits)
    assert max(waits) == LONGEST_HOLD_SECONDS
    assert sum(waits) < 5 * 60  # then it goes anyway
