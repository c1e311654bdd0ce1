"""The restaurants' POS pages: owners and admins manage POS connections and re-run failed checks; managers see
their restaurants read-only (adding, editing and deleting: restaurants/tests/test_restaurant_pages.py)."""

import pytest

from audit.models import AuditEntry
from pos.models import PosConnection, ReceiptStatus
from tests.checks import CheckSpec, send_checks
from tests.fixtures import signed_in_client

NEW = {
    "name": "Harbour",
    "address": "Pier 3",
    "phone": "",
    "time_zone": "",
    "status": "active",
    "hours_mon": "10:00–23:00",
}


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 200), ("manager", 200), ("cashier", 403)])
def test_restaurant_list_by_role(alpha, role, status):
    assert signed_in_client(alpha, role).get("/restaurants/").status_code == status


def test_manager_sees_only_their_restaurants_and_cannot_edit(alpha):
    client = signed_in_client(alpha, "manager")
    page = client.get("/restaurants/").content.decode()
    assert alpha.restaurants[0].name in page
    assert alpha.restaurants[1].name not in page
    assert client.get(f"/restaurants/{alpha.restaurants[1].id}/").status_code == 404
    assert client.post(f"/restaurants/{alpha.restaurants[0].id}/edit/", NEW).status_code == 403


def test_connecting_a_webhook_pos_shows_the_secret_once(alpha):
    client = signed_in_client(alpha, "admin")
    restaurant = alpha.restaurants[0]
    client.post(
        f"/restaurants/{restaurant.id}/connections/",
        {"kind": "webhook", "name": "Front till", "poll_interval_minutes": 60},
    )
    connection = PosConnection.objects.get(restaurant=restaurant, name="Front till")
    first = client.get(f"/restaurants/{restaurant.id}/").content.decode()
    second = client.get(f"/restaurants/{restaurant.id}/").content.decode()
    assert 'data-testid="signing-secret"' in first
    assert 'data-testid="signing-secret"' not in second
    assert f"/api/v1/pos/webhooks/{connection.id}" in second


def test_iiko_connection_without_organisation_is_a_field_error(alpha):
    response = signed_in_client(alpha, "owner").post(
        f"/restaurants/{alpha.restaurants[0].id}/connections/",
        {"kind": "iiko", "api_login": "x", "poll_interval_minutes": 60},
    )
    assert response.status_code == 422
    assert "organisation id" in response.content.decode()


def test_rotating_the_secret_issues_a_new_one_and_is_audited(alpha):
    client = signed_in_client(alpha, "owner")
    restaurant = alpha.restaurants[0]
    client.post(
        f"/restaurants/{restaurant.id}/connections/", {"kind": "webhook", "name": "Bar", "poll_interval_minutes": 60}
    )
    connection = PosConnection.objects.get(name="Bar")
    before = connection.signing_secret_encrypted
    client.get(f"/restaurants/{restaurant.id}/")  # the first secret was shown
    client.post(f"/restaurants/{restaurant.id}/connections/{connection.id}/rotate/")
    connection.refresh_from_db()
    assert connection.signing_secret_encrypted != before
    assert connection.previous_secret_valid_until is not None
    assert 'data-testid="signing-secret"' in client.get(f"/restaurants/{restaurant.id}/").content.decode()
    assert AuditEntry.objects.filter(action="pos.connection.secret_rotated").exists()


def test_failed_check_is_listed_and_can_be_re_run(alpha):
    client = signed_in_client(alpha, "owner")
    restaurant = alpha.restaurants[0]
    client.post(
        f"/restaurants/{restaurant.id}/connections/", {"kind": "webhook", "name": "Till 2", "poll_interval_minutes": 60}
    )
    # The POS sends the refund of a check it never sent: it fails, waiting for a sale that does not come.
    (receipt,) = send_checks(alpha, [CheckSpec("100", restaurant=restaurant, external_id="X-1", is_refund=True)])
    assert (receipt.connection.name, receipt.status) == ("Till 2", ReceiptStatus.FAILED)
    page = client.get(f"/restaurants/{restaurant.id}/").content.decode()
    assert "The sale this refund cancels has not been received." in page
    listed = client.get("/restaurants/").content.decode()
    assert f'href="/restaurants/{restaurant.id}/#failed">1</a>' in listed
    client.post(f"/restaurants/{restaurant.id}/receipts/{receipt.id}/rerun/")
    receipt.refresh_from_db()
    assert receipt.status != ReceiptStatus.FAILED
    assert AuditEntry.objects.filter(action="pos.receipt.rerun").exists()


def test_a_new_secret_waits_in_the_session_encrypted_and_only_for_its_restaurant(alpha):
    client = signed_in_client(alpha, "admin")
    first, other = alpha.restaurants[0], alpha.restaurants[1]
    client.post(
        f"/restaurants/{first.id}/connections/", {"kind": "webhook", "name": "Bar", "poll_interval_minutes": 60}
    )
    connection = PosConnection.objects.get(restaurant=first, name="Bar")
    client.post(f"/restaurants/{first.id}/connections/{connection.id}/rotate/")
    stored = client.session["issued_secrets"]
    assert stored["signing_secret"] and "whsec_" not in stored["signing_secret"]  # encrypted, not the secret
    assert 'data-testid="signing-secret"' not in client.get(f"/restaurants/{other.id}/").content.decode()
    shown = client.get(f"/restaurants/{first.id}/").content.decode()
    assert 'data-testid="signing-secret">whsec_' in shown
