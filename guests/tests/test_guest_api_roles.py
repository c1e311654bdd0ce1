"""Who may do what with guests through the API; managers and cashiers only see guests of their restaurants."""

import pytest

from guests.models import Guest
from guests.tests.factories import GuestFactory, visit
from tests.fixtures import api_as


@pytest.fixture
def guests_by_place(alpha):
    own, other = alpha.restaurants
    visited_other = GuestFactory(home_restaurant=other)
    visit(alpha, guest=visited_other, restaurant=own)
    return {
        "home_own": GuestFactory(home_restaurant=own),
        "home_other": GuestFactory(home_restaurant=other),
        "visited_own": visited_other,
        "visited_only_other": visit(alpha, restaurant=other).guest,
        "walk_in": GuestFactory(home_restaurant=None),
    }


VISIBLE_TO_SCOPED = {"home_own", "visited_own"}  # a guest of no restaurant is no restaurant's (the till finds them)


@pytest.mark.parametrize("role", ["manager", "cashier"])
@pytest.mark.parametrize("place", ["home_own", "home_other", "visited_own", "visited_only_other", "walk_in"])
def test_scoped_roles_open_by_id_only_guests_of_their_restaurants(alpha, guests_by_place, role, place):
    # Outside their restaurants a guest is reached only by exact lookup at the till (tests/security).
    response = api_as(alpha, role).get(f"/api/v1/guests/{guests_by_place[place].id}")
    assert response.status_code == (200 if place in VISIBLE_TO_SCOPED else 404)


@pytest.mark.parametrize("place", ["home_other", "visited_only_other"])
def test_scoped_roles_find_a_guest_of_another_restaurant_by_exact_phone(alpha, guests_by_place, place):
    guest = guests_by_place[place]
    response = api_as(alpha, "cashier").get("/api/v1/guests/lookup", {"phone": guest.phone})
    assert response.status_code == 200
    assert response.json()["id"] == guest.id


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_scoped_list_holds_only_their_guests(alpha, guests_by_place, role):
    ids = {row["id"] for row in api_as(alpha, role).get("/api/v1/guests").json()["results"]}
    assert ids == {guests_by_place[place].id for place in VISIBLE_TO_SCOPED}


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_admin_and_owner_see_every_guest(alpha, guests_by_place, role):
    ids = {row["id"] for row in api_as(alpha, role).get("/api/v1/guests").json()["results"]}
    assert ids == {guest.id for guest in guests_by_place.values()}


def test_cashier_looks_up_and_creates_but_may_not_edit_erase_export_or_import(alpha, guests_by_place):
    api = api_as(alpha, "cashier")
    guest = guests_by_place["home_own"]
    assert api.get("/api/v1/guests/lookup", {"phone": guest.phone}).status_code == 200
    created = api.post("/api/v1/guests", {"phone": "+79035550101", "first_name": "New"}, format="json")
    assert created.status_code == 201
    assert created.json()["home_restaurant"] == alpha.restaurants[0].id  # a cashier's new guest is theirs
    assert api.patch(f"/api/v1/guests/{guest.id}", {"first_name": "X"}, format="json").status_code == 403
    assert api.delete(f"/api/v1/guests/{guest.id}").status_code == 403
    assert api.get("/api/v1/guests/export").status_code == 403
    assert api.post("/api/v1/guests/import", {}, format="multipart").status_code == 403
    guest.refresh_from_db()
    assert guest.first_name != "X" and guest.status == "active"


def test_manager_edits_own_guests_but_not_others_and_cannot_erase(alpha, guests_by_place):
    api = api_as(alpha, "manager")
    own, other = guests_by_place["home_own"], guests_by_place["home_other"]
    assert api.patch(f"/api/v1/guests/{own.id}", {"note": "VIP"}, format="json").status_code == 200
    assert api.patch(f"/api/v1/guests/{other.id}", {"note": "VIP"}, format="json").status_code == 404
    assert api.delete(f"/api/v1/guests/{own.id}").status_code == 403
    assert Guest.objects.get(pk=own.pk).note == "VIP"
    assert Guest.objects.get(pk=other.pk).note != "VIP"


def test_manager_cannot_move_a_guest_to_a_restaurant_not_theirs(alpha, guests_by_place):
    response = api_as(alpha, "manager").patch(
        f"/api/v1/guests/{guests_by_place['home_own'].id}",
        {"home_restaurant": alpha.restaurants[1].id},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "restaurant_out_of_reach"


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_admin_and_owner_edit_block_and_erase_anyone(alpha, guests_by_place, role):
    api = api_as(alpha, role)
    other = guests_by_place["home_other"]
    assert (
        api.put(f"/api/v1/guests/{other.id}", {"phone": other.phone, "first_name": "Put"}, format="json").json()[
            "first_name"
        ]
        == "Put"
    )
    assert (
        api.post(f"/api/v1/guests/{other.id}/block", {"reason": "fraud"}, format="json").json()["status"] == "blocked"
    )
    assert api.post(f"/api/v1/guests/{other.id}/unblock", {}, format="json").json()["status"] == "active"
    assert api.delete(f"/api/v1/guests/{other.id}").status_code == 204
    assert api.get(f"/api/v1/guests/{other.id}").status_code == 404


def test_put_empties_fields_left_out_but_patch_keeps_them(alpha, guests_by_place):
    api = api_as(alpha, "owner")
    guest = guests_by_place["home_own"]
    api.patch(f"/api/v1/guests/{guest.id}", {"note": "likes tea"}, format="json")
    assert api.get(f"/api/v1/guests/{guest.id}").json()["note"] == "likes tea"
    body = api.put(f"/api/v1/guests/{guest.id}", {"phone": guest.phone, "first_name": "Only"}, format="json").json()
    assert (body["first_name"], body["last_name"], body["note"]) == ("Only", "", "")


def test_visits_of_a_guest_newest_first(alpha, guests_by_place):
    guest = guests_by_place["home_own"]
    from datetime import timedelta

    from django.utils import timezone

    older = visit(alpha, guest=guest, restaurant=alpha.restaurants[0], at=timezone.now() - timedelta(days=9))
    newer = visit(alpha, guest=guest, restaurant=alpha.restaurants[1], at=timezone.now() - timedelta(days=1))
    body = api_as(alpha, "manager").get(f"/api/v1/guests/{guest.id}/visits").json()
    assert [visit["id"] for visit in body["results"]] == [newer.id, older.id]
    assert body["results"][0]["restaurant_name"] == alpha.restaurants[1].name


def test_anonymous_request_is_401(alpha, guests_by_place):
    from tests.fixtures import api_on

    assert api_on(alpha.host).get("/api/v1/guests").status_code == 401
