"""Restaurant scope: a manager or cashier of restaurant A reaches a guest of restaurant B only through an exact
lookup at the till (whole phone, card or QR), as serving needs; list, detail by id, history (visits, points),
edits and exports answer 404 or leave the guest out, exactly as for a guest that does not exist.

A guest belongs to a restaurant when it is their home restaurant or they have a visit there (guests.selectors).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.services import grant_membership, obtain_user
from guests.models import Guest
from guests.services import create_guest
from loyalty import rules
from loyalty.services import apply_check
from tests.fixtures import PASSWORD, api_as, api_on, signed_in_client

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def boris(alpha):
    """A guest of restaurant B (alpha's second restaurant): alpha's manager and cashier work only at A."""
    return create_guest(
        access=None, phone="+79035551234", first_name="Boris", note="B-only", home_restaurant_id=alpha.restaurants[1].pk
    )


def _not_found_like_a_missing_guest(api, path: str, boris: Guest) -> None:
    theirs, missing = api.get(path.format(id=boris.pk)), api.get(path.format(id=999_999))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"]["code"] == missing.json()["error"]["code"]


@pytest.mark.parametrize("role", ["manager", "cashier"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/guests/{id}",
        "/api/v1/guests/{id}/visits",
        "/api/v1/guests/{id}/transactions",
        "/api/v1/guests/{id}/balance",
    ],
)
def test_guest_of_another_restaurant_is_404_by_id(alpha, boris, role, path):
    _not_found_like_a_missing_guest(api_as(alpha, role), path, boris)


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_guest_of_another_restaurant_is_left_out_of_list_and_search(alpha, boris, role):
    api = api_as(alpha, role)
    assert boris.pk not in [row["id"] for row in api.get("/api/v1/guests").json()["results"]]
    assert api.get("/api/v1/guests", {"q": "Boris"}).json()["results"] == []


def test_manager_export_leaves_out_guests_of_other_restaurants(alpha, boris):
    api_csv = b"".join(api_as(alpha, "manager").get("/api/v1/guests/export").streaming_content).decode("utf-8-sig")
    page_csv = b"".join(signed_in_client(alpha, "manager").get("/guests/export.csv").streaming_content)
    assert "Boris" not in api_csv
    assert "Boris" not in page_csv.decode("utf-8-sig")
    assert "Boris" in b"".join(api_as(alpha, "owner").get("/api/v1/guests/export").streaming_content).decode()


def test_manager_pages_answer_404_and_change_nothing(alpha, boris):
    pages = signed_in_client(alpha, "manager")
    assert pages.get(f"/guests/{boris.pk}/").status_code == 404
    assert pages.post(f"/guests/{boris.pk}/edit/", {"phone": "+79035551234", "note": "taken"}).status_code == 404
    assert api_as(alpha, "manager").patch(f"/api/v1/guests/{boris.pk}", {"note": "x"}, format="json").status_code == 404
    assert Guest.objects.get(pk=boris.pk).note == "B-only"


def test_guest_of_no_restaurant_is_not_every_restaurants_guest(alpha):
    walk_in = create_guest(access=None, phone="+79035550000", first_name="Nobody", source="telegram")
    api = api_as(alpha, "manager")
    assert api.get(f"/api/v1/guests/{walk_in.pk}").status_code == 404
    assert walk_in.pk not in [row["id"] for row in api.get("/api/v1/guests").json()["results"]]


def test_a_visit_makes_the_guest_theirs(alpha, boris):
    apply_check(
        guest=boris,
        check=rules.Check(total_amount=Decimal("500.00"), restaurant_id=alpha.restaurants[0].pk),
        restaurant=alpha.restaurants[0],
        idempotency_key="visit-at-a",
    )
    api = api_as(alpha, "manager")
    assert api.get(f"/api/v1/guests/{boris.pk}").status_code == 200
    assert api.get(f"/api/v1/guests/{boris.pk}/visits").json()["count"] == 1


@pytest.mark.parametrize("lookup", [{"phone": "8 903 555-12-34"}, {"card": None}, {"qr": None}])
def test_the_tills_exact_lookup_finds_them_and_serves_them(alpha, boris, lookup):
    key, value = next(iter(lookup.items()))
    value = value or (boris.card_number if key == "card" else boris.qr_token)
    api = api_as(alpha, "cashier")
    found = api.get("/api/v1/guests/lookup", {key: value})
    assert found.status_code == 200
    assert found.json()["id"] == boris.pk
    assert api.get(f"/api/v1/guests/{boris.pk}/balance").status_code == 200  # serving at the till
    assert api.get(f"/api/v1/guests/{boris.pk}").status_code == 404  # still no browsing by id
    assert api.get(f"/api/v1/guests/{boris.pk}/visits").status_code == 404
    assert api.get(f"/api/v1/guests/{boris.pk}/transactions").status_code == 404  # nor their points history


def test_the_till_page_opens_a_guest_found_by_whole_phone_and_not_by_id_alone(alpha, boris):
    other_cashier = signed_in_client(alpha, "manager")  # a colleague at A who did not look Boris up
    assert other_cashier.get(f"/cashier/guests/{boris.pk}/", **HTMX).status_code == 404
    till = signed_in_client(alpha, "cashier")
    assert till.get(f"/cashier/guests/{boris.pk}/", **HTMX).status_code == 404
    assert "Boris" in till.get("/cashier/find/", {"q": "+7 903 555 12 34"}, **HTMX).content.decode()
    assert till.get(f"/cashier/guests/{boris.pk}/", **HTMX).status_code == 200
    assert other_cashier.get(f"/cashier/guests/{boris.pk}/", **HTMX).status_code == 404


def test_owner_and_admin_reach_every_guest(alpha, boris):
    for role in ("owner", "admin"):
        assert api_as(alpha, role).get(f"/api/v1/guests/{boris.pk}").status_code == 200


def test_staff_of_several_restaurants_must_give_a_new_guest_one_of_theirs(alpha):
    user = obtain_user(
        email="two-places@alpha.test", password=PASSWORD, client_address="127.0.0.1", full_name="Two Places"
    )
    grant_membership(user=user, chain_id=alpha.chain.id, role="manager", restaurants=alpha.restaurants)
    api = api_on(alpha.host)
    token = api.post("/api/v1/auth/login", {"email": user.email, "password": PASSWORD}, format="json").json()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token['access']}")
    refused = api.post("/api/v1/guests", {"phone": "+79035557777", "first_name": "Nobody's"}, format="json")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "home_restaurant_required"
    assert not Guest.objects.filter(phone="+79035557777").exists()
    body = {"phone": "+79035557777", "first_name": "Theirs", "home_restaurant": alpha.restaurants[1].pk}
    created = api.post("/api/v1/guests", body, format="json")
    assert created.status_code == 201
    assert api.get(f"/api/v1/guests/{created.json()['id']}").status_code == 200
