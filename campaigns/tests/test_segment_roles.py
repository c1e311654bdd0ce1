"""Who may use segments: owners and admins over every guest; managers only when the chain allows it, and then over
their restaurants' guests and changing only their own segments; cashiers never. Through the API, as every door
asks the same rule (campaigns.selectors)."""

from __future__ import annotations

import pytest

from campaigns.selectors import segment_guests
from campaigns.services import create_segment, set_managers_may_use_segments
from guests.tests.factories import GuestFactory
from tests.fixtures import ChainWorld, api_as, signed_in_client


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_use_segments(alpha: ChainWorld, role: str) -> None:
    api = api_as(alpha, role)

    created = api.post("/api/v1/segments", {"name": f"By {role}", "filters": {"tags": ["vip"]}}, format="json")

    assert created.status_code == 201, created.content
    assert api.get(f"/api/v1/segments/{created.json()['id']}/preview").status_code == 200


def test_managers_are_refused_while_the_chain_does_not_allow_it(alpha: ChainWorld) -> None:
    api = api_as(alpha, "manager")

    assert api.get("/api/v1/segments").status_code == 403
    assert api.post("/api/v1/segments", {"name": "Mine"}, format="json").status_code == 403
    assert signed_in_client(alpha, "manager").get("/segments/").status_code == 403


def test_cashiers_are_refused_even_when_managers_are_allowed(alpha: ChainWorld, access_of) -> None:
    set_managers_may_use_segments(access=access_of("owner"), allowed=True)

    assert api_as(alpha, "cashier").get("/api/v1/segments").status_code == 403
    assert signed_in_client(alpha, "cashier").get("/segments/").status_code == 403


def test_an_allowed_manager_sees_only_their_restaurants_guests(alpha: ChainWorld, access_of) -> None:
    set_managers_may_use_segments(access=access_of("owner"), allowed=True)
    theirs = GuestFactory(tags=["vip"], home_restaurant=alpha.restaurants[0])
    elsewhere = GuestFactory(tags=["vip"], home_restaurant=alpha.restaurants[1])
    segment = create_segment(access=access_of("manager"), name="Their VIPs", filters={"tags": ["vip"]})

    members = set(segment_guests(segment, access_of("manager")).values_list("pk", flat=True))
    preview = api_as(alpha, "manager").get(f"/api/v1/segments/{segment.pk}/preview").json()

    assert theirs.pk in members
    assert elsewhere.pk not in members
    assert elsewhere.pk not in {member["id"] for member in preview["members"]}
    assert elsewhere.pk in set(segment_guests(segment, access_of("owner")).values_list("pk", flat=True))


def test_an_allowed_manager_may_not_name_another_restaurant(alpha: ChainWorld, access_of) -> None:
    set_managers_may_use_segments(access=access_of("owner"), allowed=True)

    answer = api_as(alpha, "manager").post(
        "/api/v1/segments",
        {"name": "Riverside", "filters": {"home_restaurant_ids": [alpha.restaurants[1].pk]}},
        format="json",
    )

    assert answer.status_code == 422
    assert "filters.home_restaurant_ids" in answer.json()["error"]["fields"]


def test_an_allowed_manager_changes_only_their_own_segments(alpha: ChainWorld, access_of) -> None:
    set_managers_may_use_segments(access=access_of("owner"), allowed=True)
    owners = create_segment(access=access_of("owner"), name="Owner's", filters={})
    own = create_segment(access=access_of("manager"), name="Manager's", filters={})
    api = api_as(alpha, "manager")

    assert api.get(f"/api/v1/segments/{owners.pk}").status_code == 200
    assert api.patch(f"/api/v1/segments/{owners.pk}", {"name": "Taken over"}, format="json").status_code == 403
    assert api.delete(f"/api/v1/segments/{owners.pk}").status_code == 403
    assert api.patch(f"/api/v1/segments/{own.pk}", {"name": "Renamed"}, format="json").status_code == 200
    assert api.delete(f"/api/v1/segments/{own.pk}").status_code == 204


def test_turning_managers_off_again_refuses_them(alpha: ChainWorld, access_of) -> None:
    set_managers_may_use_segments(access=access_of("owner"), allowed=True)
    set_managers_may_use_segments(access=access_of("admin"), allowed=False)

    assert api_as(alpha, "manager").get("/api/v1/segments").status_code == 403


def test_only_owners_and_admins_change_the_setting(alpha: ChainWorld) -> None:
    client = signed_in_client(alpha, "manager")

    assert client.post("/segments/settings/", {"managers_may_use_segments": "on"}).status_code == 403
    assert api_as(alpha, "manager").get("/api/v1/segments").status_code == 403


def test_the_menu_links_segments_for_the_roles_allowed(alpha: ChainWorld, access_of) -> None:
    assert "/segments/" in signed_in_client(alpha, "owner").get("/dashboard/").content.decode()
    assert "/segments/" not in signed_in_client(alpha, "manager").get("/dashboard/").content.decode()
    set_managers_may_use_segments(access=access_of("owner"), allowed=True)
    assert "/segments/" in signed_in_client(alpha, "manager").get("/dashboard/").content.decode()
