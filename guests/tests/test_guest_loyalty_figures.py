"""Guests carry their points and level once the loyalty app gives them a PointsAccount; the list filters by level."""

import pytest
from django.apps import apps

from guests.tests.factories import GuestFactory
from tests.fixtures import api_as


@pytest.fixture
def loyalty_models():
    try:
        return apps.get_model("loyalty", "PointsAccount"), apps.get_model("loyalty", "Level")
    except LookupError:
        pytest.skip("the loyalty app's models are not in this build yet")


def test_guest_without_points_account_has_no_loyalty_figures(alpha):
    guest = GuestFactory()
    assert api_as(alpha, "owner").get(f"/api/v1/guests/{guest.id}").json()["loyalty"] is None


def test_guest_output_shows_available_pending_and_level(alpha, loyalty_models):
    account_model, level_model = loyalty_models
    gold = level_model.objects.create(name="Gold", threshold_amount=10000, earn_rate_percent=7)
    guest = GuestFactory()
    account_model.objects.create(guest=guest, available=420, pending=80, level=gold)
    body = api_as(alpha, "owner").get(f"/api/v1/guests/{guest.id}").json()
    assert body["loyalty"] == {"available": 420, "pending": 80, "level": {"id": gold.id, "name": "Gold"}}


def test_list_filters_by_level(alpha, loyalty_models):
    account_model, level_model = loyalty_models
    silver = level_model.objects.create(name="Silver", threshold_amount=1000, earn_rate_percent=5)
    gold = level_model.objects.create(name="Gold", threshold_amount=10000, earn_rate_percent=7)
    in_gold, in_silver = GuestFactory(), GuestFactory()
    GuestFactory()  # no account at all
    account_model.objects.create(guest=in_gold, level=gold)
    account_model.objects.create(guest=in_silver, level=silver)
    body = api_as(alpha, "owner").get("/api/v1/guests", {"level": gold.id}).json()
    assert [row["id"] for row in body["results"]] == [in_gold.id]
