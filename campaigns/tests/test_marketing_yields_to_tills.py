"""Marketing yields to the tills (messaging.pacing): while POS pushes come at MESSAGING_YIELD_TO_POS_PER_SECOND or
more, each campaign message waits (a bounded time) before it is handed to the provider and each campaign batch
before it is written; with quiet tills they go at full speed; transactional messages never wait. Nothing is lost or
sent twice either way. The rush is real POS traffic through the WSGI intake, counted in the test's Redis."""

from __future__ import annotations

import time
from typing import Any

import pytest

from campaigns.models import CampaignStatus
from campaigns.sending import send_campaign_batch
from campaigns.services import send_campaign
from messaging.models import Message, MessageStatus
from messaging.pacing import BATCH_YIELD_SECONDS, MESSAGE_YIELD_SECONDS
from messaging.services import deliver_messages, send_to_guest
from tests.till_traffic import till_rush


@pytest.fixture(autouse=True)
def _yielding_on(settings: Any) -> None:
    settings.MESSAGING_YIELD_TO_POS_PER_SECOND = 50


def _queued_campaign_messages(campaign_world: Any, count: int) -> list[int]:
    """A campaign to `count` guests, its batch written (its deliveries queued, not run)."""
    campaign_world.guests(count)
    campaign = campaign_world.campaign(campaign_world.segment(), holdout_percent=0)
    send_campaign(access=campaign_world.owner, campaign=campaign)
    assert send_campaign_batch(campaign_id=campaign.pk) == count
    return list(Message.objects.filter(kind="campaign").order_by("pk").values_list("pk", flat=True))


def _timed_delivery(message_ids: list[int]) -> float:
    began = time.monotonic()
    results = deliver_messages(message_ids=message_ids)
    assert {result.status for result in results.values()} == {MessageStatus.SENT}
    return time.monotonic() - began


def test_campaign_messages_wait_while_the_tills_are_busy_and_each_goes_once(campaign_world) -> None:
    message_ids = _queued_campaign_messages(campaign_world, 3)

    with till_rush(per_second=200):
        seconds = _timed_delivery(message_ids)

    assert seconds >= 3 * MESSAGE_YIELD_SECONDS * 0.9
    assert len(campaign_world.email.requests) == 3
    assert Message.objects.filter(pk__in=message_ids, status=MessageStatus.SENT).count() == 3


def test_campaign_messages_go_at_full_speed_when_the_tills_are_quiet(campaign_world) -> None:
    message_ids = _queued_campaign_messages(campaign_world, 3)

    seconds = _timed_delivery(message_ids)

    assert seconds < MESSAGE_YIELD_SECONDS
    assert len(campaign_world.email.requests) == 3


def test_yielding_off_lets_marketing_through_a_rush(campaign_world, settings) -> None:
    settings.MESSAGING_YIELD_TO_POS_PER_SECOND = 0
    message_ids = _queued_campaign_messages(campaign_world, 3)

    with till_rush(per_second=200):
        seconds = _timed_delivery(message_ids)

    assert seconds < MESSAGE_YIELD_SECONDS
    assert len(campaign_world.email.requests) == 3


def test_transactional_messages_never_wait_for_the_tills(campaign_world) -> None:
    guest = campaign_world.guests(1)[0]
    with campaign_world.run(execute=False):
        message = send_to_guest(guest=guest, kind="receipt", dedupe_key="receipt:1", text="Thank you: +10 points")

    with till_rush(per_second=200):
        seconds = _timed_delivery([message.pk])

    assert seconds < MESSAGE_YIELD_SECONDS
    assert len(campaign_world.email.requests) == 1


def test_a_campaign_batch_and_its_split_wait_while_the_tills_are_busy_then_go(campaign_world) -> None:
    campaign_world.guests(2)
    campaign = campaign_world.campaign(campaign_world.segment(), holdout_percent=0)
    send_campaign(access=campaign_world.owner, campaign=campaign)

    with till_rush(per_second=200, lasting=3):  # a rush of 3 s: counted from its start, gone a second after it
        began = time.monotonic()
        written = send_campaign_batch(campaign_id=campaign.pk)
        seconds = time.monotonic() - began

    assert written == 2
    assert 2.5 <= seconds < BATCH_YIELD_SECONDS  # held until the rush was over, not for the longest wait
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_a_campaign_is_sent_whole_at_full_speed_when_the_tills_are_quiet(campaign_world) -> None:
    campaign_world.guests(4)
    campaign = campaign_world.campaign(campaign_world.segment(), holdout_percent=0)

    began = time.monotonic()
    sent = campaign_world.send(campaign)
    seconds = time.monotonic() - began

    assert sent.status == CampaignStatus.SENT
    assert seconds < MESSAGE_YIELD_SECONDS
    assert len(campaign_world.email.requests) == 4
    assert Message.objects.filter(kind="campaign", status=MessageStatus.SENT).values("guest").distinct().count() == 4
