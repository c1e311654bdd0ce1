"""Cashiers see masked phones and emails; roles allowed to see contacts see them whole."""

import pytest

from guests.masking import mask_contact
from guests.tests.factories import GuestFactory
from tests.fixtures import api_as


@pytest.fixture
def ivan(alpha):
    return GuestFactory(phone="+79161234567", email="ivan@mail.ru", home_restaurant=alpha.restaurants[0])


def test_cashier_sees_masked_phone_and_email(alpha, ivan):
    body = api_as(alpha, "cashier").get(f"/api/v1/guests/{ivan.id}").json()
    assert body["phone"] == "+7 916 ***-**-67"
    assert body["email"] == "i***@mail.ru"


def test_cashier_list_and_lookup_are_masked_too(alpha, ivan):
    api = api_as(alpha, "cashier")
    assert api.get("/api/v1/guests").json()["results"][0]["phone"] == "+7 916 ***-**-67"
    assert api.get("/api/v1/guests/lookup", {"phone": "89161234567"}).json()["email"] == "i***@mail.ru"


@pytest.mark.parametrize("role", ["manager", "admin", "owner"])
def test_roles_with_contact_permission_see_them_whole(alpha, ivan, role):
    body = api_as(alpha, role).get(f"/api/v1/guests/{ivan.id}").json()
    assert (body["phone"], body["email"]) == ("+79161234567", "ivan@mail.ru")


def test_masking_of_empty_contacts_and_foreign_numbers(access_of):
    cashier = access_of("cashier")
    assert mask_contact("", kind="email", access=cashier) == ""
    assert mask_contact(None, kind="phone", access=cashier) == ""
    assert mask_contact("+12025550123", kind="phone", access=cashier).endswith("23")
    assert "555" not in mask_contact("+12025550123", kind="phone", access=cashier)


def test_stored_documents_are_masked_by_key_and_in_texts_but_dates_and_other_keys_stay(access_of):
    from guests.masking import contact_view

    payload = {
        "guest": {"phone": "+79161234567", "telegram_username": "olga_p"},
        "EMail": "ivan@mail.ru",
        "comment": "call 8 (916) 123-45-67 or ivan@mail.ru",
        "closed_at": "2026-11-25 19:40:00",
        "total": "1000.00",
    }
    masked = contact_view(access_of("cashier")).payload(payload)
    assert masked["guest"] == {"phone": "+7 916 ***-**-67", "telegram_username": "olga_p"}
    assert masked["EMail"] == "i***@mail.ru"
    assert "123-45" not in masked["comment"] and "ivan@" not in masked["comment"]
    assert (masked["closed_at"], masked["total"]) == ("2026-11-25 19:40:00", "1000.00")
    assert contact_view(access_of("manager")).payload(payload) == payload
