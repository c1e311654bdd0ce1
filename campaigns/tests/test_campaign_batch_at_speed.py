"""A campaign's batch is sent set-based (messaging.services.send_to_guests): its statements do not grow with its
size, and a batch that dies half-way (a worker killed: its transaction rolled back) leaves nothing half-sent: no
message, no bonus, no recipient marked, nothing handed to the provider; the next run sends each guest once."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns import sending
from campaigns.models import CampaignStatus
from campaigns.sending import send_campaign_batch
from campaigns.services import send_campaign
from loyalty.models import EntryKind, LedgerEntry
from messaging.models import Message
from messaging.services import update_messaging_settings


def _statements_of_a_batch(campaign_world: Any, size: int, tag: str) -> list[str]:
    campaign_world.guests(size, tag=tag)
    campaign = campaign_world.campaign(campaign_world.segment(tag=tag), holdout_percent=0, bonus_points=30)
    send_campaign(access=campaign_world.owner, campaign=campaign)  # its batch task is not run: measured below
    with CaptureQueriesContext(connection) as captured:
        assert send_campaign_batch(campaign_id=campaign.pk) == size
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert Message.objects.filter(dedupe_key__startswith=f"campaign:{campaign.pk}:").count() == size
    assert LedgerEntry.objects.filter(idempotency_key__startswith=f"campaign:{campaign.pk}:").count() == size
    return [query["sql"] for query in captured]


def test_a_campaign_batch_costs_the_same_statements_whatever_its_size(campaign_world) -> None:
    """The campaign, the split, the recipients, send_to_guests' reads and insert, the bonuses' batch grant, the
    recipients' UPDATE."""
    _statements_of_a_batch(campaign_world, 1, "warm")
    small = _statements_of_a_batch(campaign_world, 2, "small")
    large = _statements_of_a_batch(campaign_world, 20, "large")
    assert len(small) == len(large), "\n".join(query[:150] for query in large)


class WorkerKilled(Exception):
    pass


def test_a_batch_killed_half_way_leaves_nothing_half_sent(campaign_world, monkeypatch) -> None:
    guests = campaign_world.guests(5)
    campaign = campaign_world.campaign(campaign_world.segment(), holdout_percent=0, bonus_points=30)
    send_campaign(access=campaign_world.owner, campaign=campaign)
    real_grant = sending.grant_program_bonuses

    def dies_while_granting(**kwargs: Any) -> Any:
        real_grant(**kwargs)  # the bonuses written, the messages logged: then the worker dies
        raise WorkerKilled()

    monkeypatch.setattr(sending, "grant_program_bonuses", dies_while_granting)
    with campaign_world.run(execute=True), pytest.raises(WorkerKilled):
        send_campaign_batch(campaign_id=campaign.pk)

    assert not Message.objects.filter(kind="campaign").exists()
    assert not LedgerEntry.objects.filter(kind=EntryKind.PROMO_BONUS).exists()
    assert not campaign.recipients.filter(sent_at__isnull=False).exists()
    assert campaign_world.email.requests == []

    monkeypatch.setattr(sending, "grant_program_bonuses", real_grant)
    campaign_world.send_batches(campaign)  # the next run (the campaigns tick hands a stalled campaign over again)

    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert len(campaign_world.email.requests) == 5
    assert sorted(Message.objects.filter(kind="campaign").values_list("guest_id", flat=True)) == sorted(
        guest.pk for guest in guests
    )
    bonus = LedgerEntry.objects.filter(kind=EntryKind.PROMO_BONUS, points=30)
    assert sorted(bonus.values_list("guest_id", flat=True)) == sorted(guest.pk for guest in guests)


def test_a_guest_in_two_campaigns_the_same_day_gets_no_more_than_the_daily_cap(campaign_world, alpha) -> None:
    update_messaging_settings(actor=alpha.user("owner"), marketing_per_day=1)
    campaign_world.guests(3)
    segment = campaign_world.segment()
    first = campaign_world.send(campaign_world.campaign(segment, holdout_percent=0))
    second = campaign_world.send(campaign_world.campaign(segment, name="Winter menu", holdout_percent=0))

    assert (first.status, second.status) == (CampaignStatus.SENT, CampaignStatus.SENT)
    assert len(campaign_world.email.requests) == 3
    assert set(Message.objects.filter(kind="campaign", status="suppressed").values_list("reason", flat=True)) == {
        "daily_cap"
    }
