"""A restaurant's coordinates (for the fraud rule on restaurants too far apart) are set through the API and the
page, audited, and refused outside the globe."""

from __future__ import annotations

from audit.models import AuditEntry
from restaurants.models import Restaurant
from tests.fixtures import api_as, signed_in_client


def test_the_api_sets_the_coordinates_and_audits_them(alpha):
    restaurant = alpha.restaurants[0]
    response = api_as(alpha, "owner").patch(
        f"/api/v1/restaurants/{restaurant.pk}", {"latitude": 55.7558, "longitude": 37.6173}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["latitude"], response.json()["longitude"]) == (55.7558, 37.6173)
    entry = AuditEntry.objects.filter(action="restaurant.changed").latest("created_at")
    assert entry.changes["latitude"] == [None, 55.7558]


def test_a_latitude_beyond_the_pole_is_refused_and_nothing_changes(alpha):
    restaurant = alpha.restaurants[0]
    response = api_as(alpha, "owner").patch(f"/api/v1/restaurants/{restaurant.pk}", {"latitude": 91}, format="json")
    assert response.status_code == 400
    assert "latitude" in response.json()["error"]["fields"]
    assert Restaurant.objects.get(pk=restaurant.pk).latitude is None


def test_the_restaurant_page_offers_the_coordinates(alpha):
    page = signed_in_client(alpha, "owner").get(f"/restaurants/{alpha.restaurants[0].pk}/edit/")
    assert page.status_code == 200
    assert 'name="latitude"' in page.content.decode()
