"""The restaurant chosen in the layout's switcher is the default filter of the dashboard, the analytics page, the
reports and the guest list; an explicit restaurant in the URL wins."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from analytics.periods import chain_time_zone
from analytics.rollups import recompute_days
from analytics.tests.dataset import add_guest, add_visit
from tests.fixtures import signed_in_client

Q1 = "start=2026-01-01&end=2026-03-31"


def _choose(client, restaurant):
    response = client.post("/accounts/restaurant/", {"restaurant": restaurant.pk, "next": "/dashboard/"})
    assert response.status_code == 302


def _revenue(html: str) -> str:
    return html.split('data-testid="loyalty-revenue">', 1)[1].split("<", 1)[0]


def test_dashboard_shows_the_chosen_restaurant_and_the_url_wins(alpha):
    center, riverside = alpha.restaurants
    now = timezone.now()
    for restaurant, amount in [(center, "1234.00"), (riverside, "4321.00")]:
        add_visit(add_guest(created_at=now - dt.timedelta(days=3), home=restaurant), restaurant, now, amount)
    today = now.astimezone(chain_time_zone()).date()
    recompute_days(today - dt.timedelta(days=5), today)
    client = signed_in_client(alpha, "owner")
    assert _revenue(client.get("/dashboard/").content.decode()) == "5555.00"

    _choose(client, riverside)
    assert _revenue(client.get("/dashboard/").content.decode()) == "4321.00"
    assert _revenue(client.get(f"/dashboard/?restaurant={center.pk}").content.decode()) == "1234.00"
    assert _revenue(client.get("/dashboard/?restaurant=").content.decode()) == "5555.00"


def test_analytics_and_reports_default_to_the_chosen_restaurant(alpha, fixed_data):
    center, riverside = alpha.restaurants
    client = signed_in_client(alpha, "owner")
    _choose(client, center)
    page = client.get(f"/analytics/?{Q1}").content.decode()
    assert _revenue(page) == "5900.00"
    assert f'<option value="{center.pk}" selected>Alpha Center</option>' in page  # the filter says so
    report = client.get(f"/analytics/report/?{Q1}&format=csv").content.decode()
    assert "5900.00" in report
    assert "9700.00" not in report

    assert _revenue(client.get(f"/analytics/?{Q1}&restaurant=").content.decode()) == "9700.00"
    assert _revenue(client.get(f"/analytics/?{Q1}&restaurant={riverside.pk}").content.decode()) == "3800.00"


def test_analytics_without_a_query_opens_on_the_chosen_restaurant(alpha, fixed_data):
    client = signed_in_client(alpha, "owner")
    _choose(client, alpha.restaurants[1])
    page = client.get("/analytics/").content.decode()
    assert f'<option value="{alpha.restaurants[1].pk}" selected>Alpha Riverside</option>' in page


def test_guest_list_defaults_to_the_chosen_restaurants_guests(alpha, fixed_data):
    client = signed_in_client(alpha, "owner")
    _choose(client, alpha.restaurants[1])
    riverside = client.get("/guests/").content.decode()
    assert "Boris" in riverside
    assert "Dmitry" in riverside
    assert "Alice" not in riverside
    assert f"home_restaurant={alpha.restaurants[1].pk}" in riverside  # exports and pages keep the same filter
    everyone = client.get("/guests/?home_restaurant=").content.decode()
    assert "Alice" in everyone
    assert "Boris" in everyone


def test_manager_choice_narrows_within_their_restaurants(alpha, fixed_data):
    client = signed_in_client(alpha, "manager")
    _choose(client, alpha.restaurants[0])
    assert _revenue(client.get(f"/analytics/?{Q1}").content.decode()) == "5900.00"
    forged = client.get(f"/analytics/?{Q1}&restaurant={alpha.restaurants[1].pk}").content.decode()
    assert _revenue(forged) == "5900.00"  # someone else's restaurant in the URL: still only their own
