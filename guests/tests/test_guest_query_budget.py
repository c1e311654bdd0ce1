"""The till's hot paths stay cheap: looking a guest up and listing a page do not grow with the number of guests."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from guests.tests.factories import GuestFactory, visits
from tests.checks import CheckSpec
from tests.fixtures import api_as


def _queries(api, path, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, params or {})
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


def test_lookup_by_phone_costs_a_fixed_number_of_queries(alpha):
    guest = GuestFactory(phone="+79161234567", home_restaurant=alpha.restaurants[0])
    api = api_as(alpha, "cashier")
    baseline = _queries(api, "/api/v1/guests/lookup", {"phone": "89161234567"})
    assert _queries(api, f"/api/v1/guests/{guest.id}") <= baseline
    assert baseline <= 6, baseline


def test_a_page_of_guests_costs_the_same_for_5_and_50_guests(alpha):
    api = api_as(alpha, "manager")

    def visiting_guests(count):
        visits(
            alpha,
            [CheckSpec("1500.00", guest=GuestFactory(home_restaurant=alpha.restaurants[0])) for _ in range(count)],
        )

    visiting_guests(5)
    few = _queries(api, "/api/v1/guests")
    visiting_guests(45)
    assert _queries(api, "/api/v1/guests") == few
