"""Rights over HTTP: what each role may do with points and the program, and what it is refused."""

import datetime

import pytest

from loyalty.models import EntryKind, LedgerEntry
from loyalty.services import accrue_points
from tests.fixtures import api_as


def _post(client, path, body, key):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


# A cashier gives points by hand only up to the chain's cashier limit, 0 by default (grant_not_allowed); the
# whole grant rule is tested in tests/security/test_points_grants.py.
@pytest.mark.parametrize(("role", "expected"), [("cashier", 403), ("manager", 201), ("admin", 201), ("owner", 201)])
def test_every_role_with_a_grant_limit_accrues_in_its_own_restaurant(alpha, guest, role, expected):
    body = {"points": 10, "restaurant_id": alpha.restaurants[0].pk}
    assert _post(api_as(alpha, role), f"/api/v1/guests/{guest.pk}/accrue", body, "k").status_code == expected


@pytest.mark.parametrize(("role", "expected"), [("cashier", 403), ("manager", 403), ("admin", 201), ("owner", 201)])
def test_only_chain_wide_roles_work_in_other_restaurants(alpha, guest, program, role, expected):
    program(cashier_grant_limit=100)  # so the cashier is refused for the restaurant, not for the grant
    body = {"points": 10, "restaurant_id": alpha.restaurants[1].pk}
    response = _post(api_as(alpha, role), f"/api/v1/guests/{guest.pk}/accrue", body, "k")
    assert response.status_code == expected
    if expected == 403:
        assert response.json()["error"]["code"] == "permission_denied"
        assert not LedgerEntry.objects.filter(guest=guest).exists()


@pytest.mark.parametrize(("role", "expected"), [("cashier", 403), ("manager", 201), ("admin", 201), ("owner", 201)])
def test_adjustments_from_manager_up(alpha, guest, role, expected):
    body = {"points": 100, "reason": "Compensation for a late order"}
    assert _post(api_as(alpha, role), f"/api/v1/guests/{guest.pk}/adjust", body, "k").status_code == expected


def test_manager_adjustment_above_limit_is_403_admin_has_no_limit(alpha, guest, program):
    program(manager_adjustment_limit=500)
    body = {"points": 501, "reason": "Big compensation"}
    refused = _post(api_as(alpha, "manager"), f"/api/v1/guests/{guest.pk}/adjust", body, "k1")
    assert refused.status_code == 403
    assert (refused.json()["error"]["code"], refused.json()["error"]["limit"]) == ("grant_limit_exceeded", 500)
    assert not LedgerEntry.objects.filter(guest=guest).exists()
    assert _post(api_as(alpha, "admin"), f"/api/v1/guests/{guest.pk}/adjust", body, "k2").status_code == 201


def _cashier_accrual(alpha, guest):
    """The cashier's own operation: points earned on a check (a cashier makes no manual grant)."""
    client = api_as(alpha, "cashier")
    body = {"total_amount": "1200.00", "restaurant_id": alpha.restaurants[0].pk}
    entry = _post(client, f"/api/v1/guests/{guest.pk}/checks", body, "acc").json()["entries"][0]
    assert entry["points"] == 60
    return client, entry["id"]


def test_cashier_undoes_own_operation_within_window(alpha, guest):
    client, entry_id = _cashier_accrual(alpha, guest)
    response = _post(client, f"/api/v1/transactions/{entry_id}/reverse", {}, "undo")
    assert response.status_code == 201
    assert response.json()["balance"]["available"] == 0


def test_cashier_cannot_undo_after_the_window(alpha, guest, program):
    program(undo_window_minutes=15)
    client, entry_id = _cashier_accrual(alpha, guest)
    LedgerEntry.objects.filter(pk=entry_id).update(
        created_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16)
    )
    response = _post(client, f"/api/v1/transactions/{entry_id}/reverse", {}, "undo")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "undo_window_passed"


def test_cashier_cannot_undo_someone_elses_operation(alpha, guest):
    entry = accrue_points(
        guest=guest,
        points=60,
        kind=EntryKind.ACCRUAL,
        idempotency_key="other",
        restaurant=alpha.restaurants[0],
        actor=alpha.user("manager"),
    )
    response = _post(api_as(alpha, "cashier"), f"/api/v1/transactions/{entry.pk}/reverse", {}, "undo")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("restaurant_index", "role", "expected"),
    [(0, "manager", 201), (1, "manager", 403), (1, "admin", 201), (None, "manager", 403), (None, "owner", 201)],
)
def test_reversal_of_any_operation_by_restaurant_scope(alpha, guest, restaurant_index, role, expected):
    restaurant = alpha.restaurants[restaurant_index] if restaurant_index is not None else None
    entry = accrue_points(guest=guest, points=60, kind=EntryKind.ACCRUAL, idempotency_key="sys", restaurant=restaurant)
    response = _post(api_as(alpha, role), f"/api/v1/transactions/{entry.pk}/reverse", {"reason": "Refund"}, "undo")
    assert response.status_code == expected


@pytest.mark.parametrize(("role", "expected"), [("cashier", 403), ("manager", 403), ("admin", 200), ("owner", 200)])
def test_program_settings_are_changed_by_admins_and_owners(alpha, role, expected):
    response = api_as(alpha, role).patch("/api/v1/program", {"base_earn_rate_percent": "7.5"}, format="json")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["base_earn_rate_percent"] == "7.50"


@pytest.mark.parametrize(("role", "expected"), [("cashier", 403), ("manager", 403), ("admin", 201), ("owner", 201)])
def test_levels_are_created_by_admins_and_owners(alpha, role, expected):
    body = {"name": "Gold", "threshold_amount": "50000", "earn_rate_percent": "10"}
    assert api_as(alpha, role).post("/api/v1/levels", body, format="json").status_code == expected


@pytest.mark.parametrize("role", ["cashier", "manager", "admin", "owner"])
def test_every_role_reads_levels_promos_and_program(alpha, role):
    client = api_as(alpha, role)
    assert [client.get(path).status_code for path in ("/api/v1/levels", "/api/v1/promos", "/api/v1/program")] == [
        200,
        200,
        200,
    ]


def test_anonymous_request_is_401(alpha, guest):
    from tests.fixtures import api_on

    response = api_on(alpha.host).get(f"/api/v1/guests/{guest.pk}/balance")
    assert response.status_code == 401
