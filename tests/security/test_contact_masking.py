"""One contact rule: a role without VIEW_GUEST_CONTACTS sees a guest's phone and email masked everywhere (API
detail, list, search, lookup, the till, pages, exports, POS receipts' payloads), and its search box cannot recover
the masked digits (whole phone, card or email only). Roles with the right see contacts whole and search partially.
"""

from __future__ import annotations

import json

import pytest

from accounts.models import Role
from accounts.roles import ROLE_PERMISSIONS, Permission
from guests.services import create_guest
from pos.models import Receipt
from pos.services import create_connection, drain_pending_receipts
from pos.tests.conftest import SignedWebhook, check_payload
from tests.fixtures import api_as, api_on, signed_in_client

PHONE, EMAIL = "+79161234567", "olga.petrova@mail.ru"
MASKED_PHONE, MASKED_EMAIL = "+7 916 ***-**-67", "o***@mail.ru"
WHOLE = (PHONE, "916 123-45-67", "9161234567", EMAIL)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def olga(alpha):
    return create_guest(
        access=None, phone=PHONE, email=EMAIL, first_name="Olga", home_restaurant_id=alpha.restaurants[0].pk
    )


@pytest.fixture
def manager_without_contacts(monkeypatch):
    """A chain whose managers are not allowed contacts: the same rule must then mask every door for them."""
    narrowed = ROLE_PERMISSIONS[Role.MANAGER] - {Permission.VIEW_GUEST_CONTACTS}
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.MANAGER, narrowed)
    return "manager"


def _assert_masked(text: str) -> None:
    for whole in WHOLE:
        assert whole not in text
    assert MASKED_PHONE in text or MASKED_EMAIL in text


def _receipt_for(alpha, olga) -> Receipt:
    connection, issued = create_connection(
        actor=alpha.user("owner"), restaurant=alpha.restaurants[0], kind="webhook", name="Till 1"
    )
    webhook = SignedWebhook(connection=connection, secret=issued.signing_secret, client=api_on(alpha.host))
    payload = check_payload("M-1", guest=olga, note=f"call {PHONE} or write to {EMAIL}")
    assert webhook.post(payload).status_code in (200, 201, 202)
    drain_pending_receipts(time_budget_seconds=30)
    return Receipt.objects.get(external_id="M-1")


def test_cashier_sees_masks_in_api_detail_list_search_and_lookup(alpha, olga):
    api = api_as(alpha, "cashier")
    for path, query in (
        (f"/api/v1/guests/{olga.pk}", {}),
        ("/api/v1/guests", {}),
        ("/api/v1/guests", {"q": PHONE}),
        ("/api/v1/guests/lookup", {"phone": "8 916 123-45-67"}),
    ):
        response = api.get(path, query)
        assert response.status_code == 200
        _assert_masked(response.content.decode())


def test_cashier_sees_masks_at_the_till(alpha, olga):
    html = signed_in_client(alpha, "cashier").get("/cashier/find/", {"q": PHONE}, **HTMX).content.decode()
    assert "Olga" in html
    _assert_masked(html)


def test_manager_without_the_right_sees_masks_on_pages_and_in_exports(alpha, olga, manager_without_contacts):
    pages = signed_in_client(alpha, manager_without_contacts)
    for path in (f"/guests/{olga.pk}/", "/guests/", "/guests/export.csv"):
        response = pages.get(path)
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        _assert_masked(body.decode("utf-8-sig"))
    exported = api_as(alpha, manager_without_contacts).get("/api/v1/guests/export")
    _assert_masked(b"".join(exported.streaming_content).decode("utf-8-sig"))


def test_manager_without_the_right_sees_receipt_payloads_masked(alpha, olga, manager_without_contacts):
    receipt = _receipt_for(alpha, olga)
    assert PHONE in json.dumps(receipt.payload)  # stored as the POS sent it
    api = api_as(alpha, manager_without_contacts)
    detail = api.get(f"/api/v1/pos/receipts/{receipt.pk}")
    assert detail.status_code == 200
    _assert_masked(detail.content.decode())
    assert detail.json()["payload"]["guest"]["phone"] == MASKED_PHONE
    listed = api.get("/api/v1/pos/receipts").content.decode()
    assert not [whole for whole in WHOLE if whole in listed]


def test_roles_with_the_right_see_contacts_whole_everywhere(alpha, olga):
    receipt = _receipt_for(alpha, olga)
    api = api_as(alpha, "manager")
    assert api.get(f"/api/v1/guests/{olga.pk}").json()["phone"] == PHONE
    assert api.get(f"/api/v1/pos/receipts/{receipt.pk}").json()["payload"]["guest"]["phone"] == PHONE
    assert EMAIL in b"".join(api.get("/api/v1/guests/export").streaming_content).decode("utf-8-sig")


@pytest.mark.parametrize("fragment", ["4567", "1234567", "916123", "+7 916", "67", "olga.p", "olga.petrova@"])
def test_a_fragment_finds_nothing_for_a_masked_role(alpha, olga, fragment):
    api = api_as(alpha, "cashier")
    assert api.get("/api/v1/guests", {"q": fragment}).json()["results"] == []
    html = signed_in_client(alpha, "cashier").get("/cashier/find/", {"q": fragment}, **HTMX).content.decode()
    assert "Olga" not in html


@pytest.mark.parametrize("whole", [PHONE, "8 (916) 123-45-67", "9161234567", EMAIL])
def test_the_whole_number_or_email_finds_the_guest_for_a_masked_role(alpha, olga, whole):
    results = api_as(alpha, "cashier").get("/api/v1/guests", {"q": whole}).json()["results"]
    assert [row["id"] for row in results] == [olga.pk]


def test_the_whole_card_number_finds_the_guest_and_a_prefix_does_not(alpha, olga):
    api = api_as(alpha, "cashier")
    assert [row["id"] for row in api.get("/api/v1/guests", {"q": olga.card_number}).json()["results"]] == [olga.pk]
    assert api.get("/api/v1/guests", {"q": olga.card_number[:6]}).json()["results"] == []


@pytest.mark.parametrize("fragment", ["4567", "916123", "olga.p"])
def test_roles_with_the_right_keep_partial_search(alpha, olga, fragment):
    results = api_as(alpha, "manager").get("/api/v1/guests", {"q": fragment}).json()["results"]
    assert [row["id"] for row in results] == [olga.pk]


def test_manager_without_the_right_edits_a_guest_without_seeing_or_changing_contacts(
    alpha, olga, manager_without_contacts
):
    pages = signed_in_client(alpha, manager_without_contacts)
    _assert_masked(pages.get(f"/guests/{olga.pk}/edit/").content.decode())
    form = {"phone": "+79990000000", "email": "x@y.ru", "first_name": "Olga", "note": "VIP", "language": "ru"}
    form["home_restaurant"] = alpha.restaurants[0].pk
    response = pages.post(f"/guests/{olga.pk}/edit/", form)
    assert response.status_code == 302, response.context["form"].errors
    olga.refresh_from_db()
    assert (olga.note, olga.phone, olga.email) == ("VIP", PHONE, EMAIL)


def test_trying_phone_numbers_one_by_one_is_cut_off_hits_included(alpha, olga, monkeypatch):
    monkeypatch.setattr("guests.selectors.PHONE_PROBES_ALLOWED", 5)
    api = api_as(alpha, "cashier")
    for candidate in range(5):  # "+7 916 ***-**-67": the masked digits tried one candidate after another
        assert api.get("/api/v1/guests/lookup", {"phone": f"+7916{candidate:05d}67"}).status_code == 404
    refused = api.get("/api/v1/guests/lookup", {"phone": PHONE})
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_phone_lookups"
    assert api.get("/api/v1/guests", {"q": PHONE}).status_code == 429
    at_till = signed_in_client(alpha, "cashier").get("/cashier/find/", {"q": PHONE}, **HTMX)
    assert at_till.status_code == 429
    assert "Olga" not in at_till.content.decode()
    # The limit is this staff member's, and only for phones: a card still opens the guest, a colleague still looks up.
    assert api.get("/api/v1/guests/lookup", {"card": olga.card_number}).status_code == 200
    assert api_as(alpha, "manager").get("/api/v1/guests/lookup", {"phone": PHONE}).status_code == 200


def test_phone_lookups_that_find_the_guest_do_not_count(alpha, olga, monkeypatch):
    monkeypatch.setattr("guests.selectors.PHONE_PROBES_ALLOWED", 3)
    api = api_as(alpha, "cashier")
    for _ in range(10):
        assert api.get("/api/v1/guests/lookup", {"phone": PHONE}).status_code == 200
