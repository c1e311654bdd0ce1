"""Every common spelling of a phone number becomes one E.164 number and finds the same guest."""

import pytest

from guests.errors import MalformedPhone
from guests.phones import normalize_phone
from guests.tests.factories import GuestFactory
from tests.fixtures import api_as

SPELLINGS = ["8 (916) 123-45-67", "+7 916 123 45 67", "+79161234567", "9161234567", "8-916-123-45-67", "7 916 1234567"]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_common_spellings_normalise_to_e164(spelling):
    assert normalize_phone(spelling, "RU") == "+79161234567"


def test_region_comes_from_the_chain_currency(alpha):
    assert normalize_phone("8 (916) 123-45-67") == "+79161234567"


@pytest.mark.parametrize("bad", ["123", "phone", "+7 916 123", "8 (000) 000-00-00", ""])
def test_malformed_numbers_are_refused_with_a_clear_message(bad):
    with pytest.raises(MalformedPhone) as refused:
        normalize_phone(bad, "RU")
    assert refused.value.status == 422
    assert refused.value.fields["phone"]


def test_guest_created_with_a_local_spelling_is_stored_in_e164(alpha):
    response = api_as(alpha, "cashier").post(
        "/api/v1/guests", {"phone": "8 (916) 123-45-67", "first_name": "Ivan"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["phone"] == "+7 916 ***-**-67"
    owner_view = api_as(alpha, "owner").get(f"/api/v1/guests/{response.json()['id']}")
    assert owner_view.json()["phone"] == "+79161234567"


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_lookup_finds_the_guest_by_any_spelling(alpha, spelling):
    guest = GuestFactory(phone="+79161234567")
    response = api_as(alpha, "owner").get("/api/v1/guests/lookup", {"phone": spelling})
    assert response.status_code == 200, response.content
    assert response.json()["id"] == guest.id


@pytest.mark.parametrize("spelling", [*SPELLINGS, "4567"])
def test_search_finds_the_guest_by_any_spelling_or_last_four_digits(alpha, spelling):
    guest = GuestFactory(phone="+79161234567")
    GuestFactory(phone="+79035550000")
    response = api_as(alpha, "owner").get("/api/v1/guests", {"q": spelling})
    assert [found["id"] for found in response.json()["results"]] == [guest.id]


def test_malformed_phone_on_create_is_a_422_with_the_field(alpha):
    response = api_as(alpha, "cashier").post("/api/v1/guests", {"phone": "12-34"}, format="json")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "malformed_phone"
    assert "12-34" in error["message"]
    assert error["fields"]["phone"]


def test_lookup_with_a_malformed_phone_is_a_422(alpha):
    response = api_as(alpha, "cashier").get("/api/v1/guests/lookup", {"phone": "not a phone"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "malformed_phone"
