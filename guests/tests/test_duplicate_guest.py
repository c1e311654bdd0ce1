"""A phone belongs to one guest per chain: a second guest with it is refused with the first guest's id."""

import pytest

from guests.errors import DuplicateGuest
from guests.models import Guest
from guests.services import create_guest
from guests.tests.factories import GuestFactory
from tests.fixtures import api_as


def test_duplicate_phone_in_another_spelling_is_409_with_the_existing_id(alpha):
    existing = GuestFactory(phone="+79161234567")
    response = api_as(alpha, "cashier").post(
        "/api/v1/guests", {"phone": "8 (916) 123-45-67", "first_name": "Copy"}, format="json"
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "duplicate_guest"
    assert error["existing_guest_id"] == existing.id
    assert Guest.objects.filter(phone="+79161234567").count() == 1


def test_changing_phone_to_another_guests_phone_is_409(alpha):
    first = GuestFactory(phone="+79161234567")
    second = GuestFactory(phone="+79031112233")
    response = api_as(alpha, "owner").patch(f"/api/v1/guests/{second.id}", {"phone": "89161234567"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["existing_guest_id"] == first.id
    second.refresh_from_db()
    assert second.phone == "+79031112233"


def test_duplicate_card_number_is_409(alpha):
    holder = GuestFactory(card_number="123456789012")
    response = api_as(alpha, "owner").post(
        "/api/v1/guests", {"phone": "+79035550011", "card_number": "1234 5678 9012"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "duplicate_card"
    assert response.json()["error"]["existing_guest_id"] == holder.id


def test_the_same_phone_is_fine_in_another_chain(alpha, worlds):
    from django_tenants.utils import schema_context

    create_guest(access=None, phone="+79161234567")
    with schema_context(worlds["beta"].chain.schema_name):
        guest = create_guest(access=None, phone="8 916 123 45 67")
        assert guest.phone == "+79161234567"


def test_service_raises_duplicate_guest_with_id(alpha):
    existing = create_guest(access=None, phone="+79161234567")
    with pytest.raises(DuplicateGuest) as refused:
        create_guest(access=None, phone="9161234567")
    assert refused.value.details["existing_guest_id"] == existing.id


def test_new_guests_get_distinct_card_numbers_with_a_valid_check_digit(alpha):
    from guests.cards import has_valid_check_digit

    cards = {create_guest(access=None, phone=f"+7916000000{n}").card_number for n in range(5)}
    assert len(cards) == 5
    assert all(len(card) == 12 and has_valid_check_digit(card) for card in cards)
