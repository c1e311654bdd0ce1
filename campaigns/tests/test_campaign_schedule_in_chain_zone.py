"""A campaign's send_at written without an offset is the chain's local time (pages and API alike), and scheduling
it leaves it waiting for the chain's tick; taking the moment away makes it a draft again."""

from __future__ import annotations

import datetime
import zoneinfo

from campaigns.models import Campaign, CampaignStatus
from campaigns.services import update_campaign
from tests.fixtures import api_as, signed_in_client


def test_a_local_send_at_is_the_chains_time(campaign_world) -> None:
    segment = campaign_world.segment()
    zone = zoneinfo.ZoneInfo(campaign_world.alpha.chain.time_zone)
    body = {
        "name": "Later",
        "segment": segment.pk,
        "channels": ["sms"],
        "sms_text": "Hi",
        "send_at": "2030-03-01T10:00",
    }

    by_api = api_as(campaign_world.alpha, "owner").post("/api/v1/campaigns", body, format="json")
    by_page = signed_in_client(campaign_world.alpha, "owner").post(
        "/campaigns/new/", {**body, "name": "Later by page", "bonus_points": 0, "holdout_percent": 10}
    )

    assert by_api.status_code == 201, by_api.content
    assert by_page.status_code == 302
    expected = datetime.datetime(2030, 3, 1, 10, 0, tzinfo=zone)
    assert {campaign.send_at for campaign in Campaign.objects.all()} == {expected}


def test_scheduling_waits_and_taking_the_moment_away_makes_a_draft(campaign_world) -> None:
    campaign = campaign_world.campaign(
        campaign_world.segment(), send_at=datetime.datetime(2030, 3, 1, 7, 0, tzinfo=datetime.UTC)
    )
    api = api_as(campaign_world.alpha, "owner")

    scheduled = api.post(f"/api/v1/campaigns/{campaign.pk}/send").json()
    update_campaign(access=campaign_world.owner, campaign=campaign, changes={"send_at": None})

    assert scheduled["status"] == CampaignStatus.SCHEDULED
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.DRAFT
    assert not campaign.recipients.exists()
