"""Every staff write of a campaign leaves one audit row naming who did what."""

from __future__ import annotations

from audit.models import AuditEntry
from campaigns.services import cancel_campaign, send_campaign, update_campaign


def test_writing_changing_and_sending_are_audited(campaign_world) -> None:
    campaign = campaign_world.campaign(campaign_world.segment())
    update_campaign(access=campaign_world.owner, campaign=campaign, changes={"name": "Winter menu"})
    send_campaign(access=campaign_world.owner, campaign=campaign)

    rows = AuditEntry.objects.filter(action__startswith="campaigns.campaign_", object_id=str(campaign.pk)).order_by(
        "id"
    )

    assert [(row.action, row.actor_id) for row in rows] == [
        ("campaigns.campaign_created", campaign_world.owner.user.pk),
        ("campaigns.campaign_changed", campaign_world.owner.user.pk),
        ("campaigns.campaign_sent", campaign_world.owner.user.pk),
    ]
    assert rows[1].changes == {"name": ["Autumn menu", "Winter menu"]}


def test_cancelling_is_audited(campaign_world) -> None:
    campaign = campaign_world.campaign(campaign_world.segment())

    cancel_campaign(access=campaign_world.owner, campaign=campaign)

    cancelled = AuditEntry.objects.filter(action="campaigns.campaign_cancelled", object_id=str(campaign.pk))
    assert cancelled.get().actor == campaign_world.owner.user
