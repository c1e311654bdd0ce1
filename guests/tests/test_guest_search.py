"""The search box finds guests by name, email and card number, not just by phone."""

import pytest

from guests.tests.factories import GuestFactory
from tests.fixtures import api_as


@pytest.fixture
def anna(alpha):
    GuestFactory(first_name="Boris", last_name="Petrov", email="boris@mail.ru", card_number="111122223333")
    return GuestFactory(first_name="Anna", last_name="Smirnova", email="anna.s@yandex.ru", card_number="549006857508")


@pytest.mark.parametrize("query", ["anna", "Smirn", "anna smirnova", "anna.s@yandex.ru", "549006857508"])
def test_search_finds_the_guest(alpha, anna, query):
    response = api_as(alpha, "owner").get("/api/v1/guests", {"q": query})
    assert [found["id"] for found in response.json()["results"]] == [anna.id]


def test_lookup_by_card_and_by_qr_token(alpha, anna):
    api = api_as(alpha, "owner")
    assert api.get("/api/v1/guests/lookup", {"card": "5490 0685 7508"}).json()["id"] == anna.id
    assert api.get("/api/v1/guests/lookup", {"qr": anna.qr_token}).json()["id"] == anna.id


def test_lookup_of_unknown_card_is_404_guest_not_found(alpha, anna):
    response = api_as(alpha, "owner").get("/api/v1/guests/lookup", {"card": "000000000000"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "guest_not_found"


def test_lookup_needs_exactly_one_identifier(alpha, anna):
    response = api_as(alpha, "owner").get("/api/v1/guests/lookup", {"card": "549006857508", "qr": anna.qr_token})
    assert response.status_code == 422
    assert "lookup" in response.json()["error"]["fields"]


@pytest.mark.parametrize("fragment", ["916 12", "+7 903", "(903) 555"])
def test_a_fragment_of_a_number_finds_guests_whose_phone_contains_it(alpha, fragment):
    holder = GuestFactory(phone="+79035551216" if "903" in fragment else "+79161200000")
    GuestFactory(phone="+79211110000")
    response = api_as(alpha, "owner").get("/api/v1/guests", {"q": fragment})
    assert [found["id"] for found in response.json()["results"]] == [holder.id]
