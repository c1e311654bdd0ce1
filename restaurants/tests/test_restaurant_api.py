"""Owners and admins manage restaurants; managers and cashiers see only theirs; every change is audited."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from pos.tests.conftest import check_payload, process_everything
from restaurants.models import Restaurant
from tests.fixtures import api_as


def test_owner_lists_every_restaurant(alpha):
    response = api_as(alpha, "owner").get("/api/v1/restaurants")
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {r.pk for r in alpha.restaurants}


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_scoped_staff_see_only_their_restaurant(alpha, role):
    api = api_as(alpha, role)
    listed = api.get("/api/v1/restaurants").json()["results"]
    assert [row["id"] for row in listed] == [alpha.restaurants[0].pk]
    assert api.get(f"/api/v1/restaurants/{alpha.restaurants[1].pk}").status_code == 404


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_and_admin_create_a_restaurant(alpha, role):
    response = api_as(alpha, role).post(
        "/api/v1/restaurants",
        {"name": "Harbour", "address": "Pier 3", "time_zone": "Asia/Yekaterinburg", "opening_hours": {"mon": "9-23"}},
        format="json",
    )
    assert response.status_code == 201
    created = Restaurant.objects.get(pk=response.json()["id"])
    assert (created.name, created.time_zone, created.opening_hours) == (
        "Harbour",
        "Asia/Yekaterinburg",
        {"mon": "9-23"},
    )
    entry = AuditEntry.objects.get(action="restaurant.created")
    assert entry.actor == alpha.user(role)
    assert entry.object_id == str(created.pk)


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_managers_and_cashiers_cannot_create_or_change_restaurants(alpha, role):
    api = api_as(alpha, role)
    assert api.post("/api/v1/restaurants", {"name": "X"}, format="json").status_code == 403
    assert api.patch(f"/api/v1/restaurants/{alpha.restaurants[0].pk}", {"name": "X"}, format="json").status_code == 403
    assert api.delete(f"/api/v1/restaurants/{alpha.restaurants[0].pk}").status_code == 403


def test_patch_changes_only_the_given_fields_and_audits_old_and_new(alpha):
    restaurant = alpha.restaurants[0]
    response = api_as(alpha, "admin").patch(f"/api/v1/restaurants/{restaurant.pk}", {"status": "paused"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "paused"
    assert response.json()["name"] == restaurant.name
    entry = AuditEntry.objects.get(action="restaurant.changed")
    assert entry.changes == {"status": ["active", "paused"]}


def test_put_requires_the_name(alpha):
    response = api_as(alpha, "owner").put(
        f"/api/v1/restaurants/{alpha.restaurants[0].pk}", {"address": "New st. 5"}, format="json"
    )
    assert response.status_code == 400
    assert "name" in response.json()["error"]["fields"]


def test_unknown_time_zone_is_refused(alpha):
    response = api_as(alpha, "owner").post(
        "/api/v1/restaurants", {"name": "Z", "time_zone": "Mars/Olympus"}, format="json"
    )
    assert response.status_code == 422
    assert "time_zone" in response.json()["error"]["fields"]


def test_a_restaurant_without_history_is_deleted(alpha):
    created = api_as(alpha, "owner").post("/api/v1/restaurants", {"name": "Pop-up"}, format="json").json()
    assert api_as(alpha, "owner").delete(f"/api/v1/restaurants/{created['id']}").status_code == 204
    assert not Restaurant.objects.filter(pk=created["id"]).exists()
    assert AuditEntry.objects.filter(action="restaurant.deleted", object_id=str(created["id"])).exists()


def test_a_restaurant_with_checks_cannot_be_deleted(alpha, webhook):
    webhook.post(check_payload("H-1"))
    process_everything()
    response = api_as(alpha, "owner").delete(f"/api/v1/restaurants/{alpha.restaurants[0].pk}")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "restaurant_has_history"


def test_another_chains_restaurant_is_not_found(alpha, beta):
    response = api_as(alpha, "owner").get(f"/api/v1/restaurants/{beta.restaurants[0].pk + 10_000}")
    assert response.status_code == 404
    assert [row["name"] for row in api_as(beta, "owner").get("/api/v1/restaurants").json()["results"]] == [
        "Beta Center",
        "Beta Riverside",
    ]
