"""The segments API refuses bad input in the uniform error body: a 400 naming each wrong field or filter, a 422
for filters naming rows that do not exist, a 409 for a name already taken; nothing is saved."""

from __future__ import annotations

from campaigns.models import Segment
from loyalty.services import create_level
from tests.fixtures import ChainWorld, api_as


def _post(alpha: ChainWorld, body: dict) -> dict:
    answer = api_as(alpha, "owner").post("/api/v1/segments", body, format="json")
    return {"status": answer.status_code, **answer.json()["error"]}


def test_wrong_filters_are_a_400_naming_each(alpha: ChainWorld) -> None:
    error = _post(
        alpha,
        {
            "name": "Bad",
            "filters": {
                "visits_min": "many",
                "birthday_month": 13,
                "rfm_classes": ["sleepy"],
                "reachable_channels": ["fax"],
                "spend_min_amount": "12.345",
                "colour": "red",
            },
        },
    )

    assert error["status"] == 400
    assert error["code"] == "validation_failed"
    assert set(error["fields"]) == {
        "filters.visits_min",
        "filters.birthday_month",
        "filters.rfm_classes",
        "filters.reachable_channels",
        "filters.spend_min_amount",
        "filters.colour",
    }
    assert not Segment.objects.exists()


def test_a_range_upside_down_or_without_days_is_a_400(alpha: ChainWorld) -> None:
    error = _post(alpha, {"name": "Odd", "filters": {"points_min": 500, "points_max": 100, "visits_min": 2}})

    assert error["status"] == 400
    assert set(error["fields"]) == {"filters.points_max", "filters.visits_days"}


def test_a_missing_name_and_filters_not_an_object_are_a_400(alpha: ChainWorld) -> None:
    error = _post(alpha, {"filters": ["vip"]})

    assert error["status"] == 400
    assert set(error["fields"]) == {"name", "filters"}


def test_an_unknown_level_or_restaurant_is_a_422(alpha: ChainWorld) -> None:
    error = _post(alpha, {"name": "Ghosts", "filters": {"level_ids": [987654], "home_restaurant_ids": [987654]}})

    assert error["status"] == 422
    assert set(error["fields"]) == {"filters.level_ids", "filters.home_restaurant_ids"}


def test_a_name_taken_in_any_case_is_a_409(alpha: ChainWorld) -> None:
    api = api_as(alpha, "owner")
    assert api.post("/api/v1/segments", {"name": "Regulars"}, format="json").status_code == 201

    answer = api.post("/api/v1/segments", {"name": "  regulars "}, format="json")

    assert answer.status_code == 409
    assert answer.json()["error"]["fields"] == {"name": ["A segment with this name exists."]}


def test_valid_filters_are_stored_in_one_spelling(alpha: ChainWorld) -> None:
    gold = create_level(actor=None, name="Gold", threshold_amount=1000, earn_rate_percent=5)
    api = api_as(alpha, "owner")

    created = api.post(
        "/api/v1/segments",
        {
            "name": "Gold spenders",
            "filters": {"level_ids": [gold.pk], "spend_days": 30, "spend_min_amount": 1500, "visits_days": 30},
        },
        format="json",
    )

    assert created.status_code == 201, created.content
    assert created.json()["filters"] == {"level_ids": [gold.pk], "spend_days": 30, "spend_min_amount": "1500.00"}


def test_put_replaces_and_patch_changes_some_fields(alpha: ChainWorld) -> None:
    api = api_as(alpha, "owner")
    segment_id = api.post(
        "/api/v1/segments", {"name": "Tagged", "description": "VIPs", "filters": {"tags": ["vip"]}}, format="json"
    ).json()["id"]

    patched = api.patch(f"/api/v1/segments/{segment_id}", {"filters": {"birthday_month": 5}}, format="json").json()
    replaced = api.put(f"/api/v1/segments/{segment_id}", {"name": "May"}, format="json").json()

    assert (patched["name"], patched["description"], patched["filters"]) == ("Tagged", "VIPs", {"birthday_month": 5})
    assert (replaced["name"], replaced["description"], replaced["filters"]) == ("May", "", {})
    assert api.patch(f"/api/v1/segments/{segment_id}", {"filters": {"tags": "vip"}}, format="json").status_code == 400
