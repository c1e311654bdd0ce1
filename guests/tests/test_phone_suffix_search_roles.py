"""A phone is found by any suffix of 4 or more digits, by roles that see phones; a role that sees phones masked
finds a guest only by the whole number (the suffix would recover what the mask hides), and its tries count
against the phone probe limit."""

import pytest

from guests.selectors import PHONE_PROBES_ALLOWED, search_guests
from guests.tests.factories import GuestFactory
from tests.fixtures import api_as


@pytest.fixture
def holder(alpha):
    GuestFactory(phone="+79035550000", home_restaurant=alpha.restaurants[0])
    return GuestFactory(phone="+79161234567", home_restaurant=alpha.restaurants[0])


@pytest.mark.parametrize("suffix", ["4567", "34567", "234567", "1234567"])
def test_owner_finds_a_guest_by_any_suffix_of_four_or_more_digits(alpha, access_of, holder, suffix):
    assert [guest.pk for guest in search_guests(access=access_of("owner"), query=suffix)] == [holder.pk]


def test_a_suffix_that_is_no_phones_end_finds_nobody(alpha, access_of, holder):
    assert list(search_guests(access=access_of("owner"), query="1234")) == []


def test_manager_finds_by_suffix_through_the_api(alpha, holder):
    response = api_as(alpha, "manager").get("/api/v1/guests", {"q": "234567"})
    assert [row["id"] for row in response.json()["results"]] == [holder.pk]


def test_cashier_who_sees_masked_phones_does_not_find_by_suffix(alpha, access_of, holder):
    cashier = access_of("cashier")
    assert list(search_guests(access=cashier, query="4567")) == []
    assert list(search_guests(access=cashier, query="1234567")) == []
    response = api_as(alpha, "cashier").get("/api/v1/guests", {"q": "234567"})
    assert response.json()["results"] == []


def test_cashier_finds_by_the_whole_number_and_sees_it_masked(alpha, access_of, holder):
    assert [guest.pk for guest in search_guests(access=access_of("cashier"), query="8 916 123-45-67")] == [holder.pk]
    rows = api_as(alpha, "cashier").get("/api/v1/guests", {"q": "+79161234567"}).json()["results"]
    assert [(row["id"], row["phone"]) for row in rows] == [(holder.pk, "+7 916 ***-**-67")]


def test_cashier_phone_searches_stop_at_the_probe_limit(alpha, holder):
    api = api_as(alpha, "cashier")
    for number in range(PHONE_PROBES_ALLOWED):
        assert api.get("/api/v1/guests", {"q": f"+7916{number:07d}"}).status_code == 200
    response = api.get("/api/v1/guests", {"q": "+79161234567"})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_phone_lookups"
