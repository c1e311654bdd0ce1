"""Who may write and send campaigns, through the API: owners and admins; managers only when the chain allows
segments for managers, then only their own campaigns and their restaurants' guests; cashiers never."""

from __future__ import annotations

import pytest

from campaigns.models import Campaign, RecipientGroup
from campaigns.services import create_segment, set_managers_may_use_segments
from guests.services import create_guest
from messaging.tests.conftest import next_phone
from tests.fixtures import api_as


def _body(segment_id: int, **fields) -> dict:
    return {
        "name": "Autumn",
        "segment": segment_id,
        "channels": ["email"],
        "email_subject": "Hi {{ first_name }}",
        "email_text": "Our autumn menu, {{ first_name }}.",
        **fields,
    }


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_write_send_and_read_results(campaign_world, role: str) -> None:
    campaign_world.guests(2)
    api = api_as(campaign_world.alpha, role)
    segment = campaign_world.segment()

    created = api.post("/api/v1/campaigns", _body(segment.pk), format="json")
    campaign_id = created.json()["id"]
    sent = api.post(f"/api/v1/campaigns/{campaign_id}/send")

    assert created.status_code == 201, created.content
    assert (sent.status_code, sent.json()["status"]) == (200, "sending")
    assert api.get(f"/api/v1/campaigns/{campaign_id}/results").status_code == 200
    assert campaign_id in {row["id"] for row in api.get("/api/v1/campaigns").json()["results"]}


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_managers_and_cashiers_are_refused_by_default(campaign_world, role: str) -> None:
    segment = campaign_world.segment()
    campaign = campaign_world.campaign(segment)
    api = api_as(campaign_world.alpha, role)

    assert api.get("/api/v1/campaigns").status_code == 403
    assert api.post("/api/v1/campaigns", _body(segment.pk), format="json").status_code == 403
    assert api.post(f"/api/v1/campaigns/{campaign.pk}/send").status_code == 403
    assert api.get(f"/api/v1/campaigns/{campaign.pk}/results").status_code == 403
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"


def test_cashiers_are_refused_even_when_managers_are_allowed(campaign_world) -> None:
    set_managers_may_use_segments(access=campaign_world.owner, allowed=True)

    assert api_as(campaign_world.alpha, "cashier").get("/api/v1/campaigns").status_code == 403


def test_an_allowed_manager_sees_only_their_own_campaigns(campaign_world, access_of) -> None:
    set_managers_may_use_segments(access=campaign_world.owner, allowed=True)
    owners = campaign_world.campaign(campaign_world.segment())
    api = api_as(campaign_world.alpha, "manager")
    segment = create_segment(access=access_of("manager"), name="Mine", filters={"tags": ["campaign"]})

    mine = api.post("/api/v1/campaigns", _body(segment.pk), format="json")

    assert mine.status_code == 201, mine.content
    assert {row["id"] for row in api.get("/api/v1/campaigns").json()["results"]} == {mine.json()["id"]}
    assert api.get(f"/api/v1/campaigns/{owners.pk}").status_code == 404
    assert api.patch(f"/api/v1/campaigns/{owners.pk}", {"name": "Taken"}, format="json").status_code == 404
    assert api.post(f"/api/v1/campaigns/{owners.pk}/send").status_code == 404


def test_an_allowed_managers_campaign_reaches_only_their_restaurants_guests(campaign_world, access_of) -> None:
    set_managers_may_use_segments(access=campaign_world.owner, allowed=True)
    alpha = campaign_world.alpha
    theirs, elsewhere = (
        create_guest(
            access=None,
            phone=next_phone(),
            email=f"{name}@example.com",
            tags=["local"],
            consents={"email": True},
            home_restaurant_id=restaurant.pk,
        )
        for name, restaurant in (("theirs", alpha.restaurants[0]), ("elsewhere", alpha.restaurants[1]))
    )
    manager = access_of("manager")
    segment = create_segment(access=manager, name="Local", filters={"tags": ["local"]})
    campaign = api_as(alpha, "manager").post("/api/v1/campaigns", _body(segment.pk, holdout_percent=0), format="json")

    with campaign_world.run(execute=True):
        api_as(alpha, "manager").post(f"/api/v1/campaigns/{campaign.json()['id']}/send")

    recipients = Campaign.objects.get(pk=campaign.json()["id"]).recipients.all()
    assert {(r.guest_id, r.group) for r in recipients} == {(theirs.pk, RecipientGroup.TREATED)}
    assert elsewhere.pk not in {r.guest_id for r in recipients}
