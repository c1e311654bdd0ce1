"""POS connections: credentials encrypted at rest and never shown again, secrets shown once, rotation, audit."""

from __future__ import annotations

from django.db import connection

from audit.models import AuditEntry
from maxloyalty.encryption import decrypt_json
from pos.models import PosConnection
from pos.tests.conftest import SignedWebhook, check_payload, process_everything
from tests.fixtures import api_as, api_on

IIKO = {
    "kind": "iiko",
    "name": "iiko Center",
    "external_organization_id": "7bc05553-4b68-44e8-b7bc-37be63c6d9e9",
    "api_base_url": "https://api-ru.iiko.services",
    "credentials": {"api_login": "secret-api-login-123"},
}


def _create(alpha, role="owner", **overrides):
    body = {"restaurant": alpha.restaurants[0].pk, **IIKO, **overrides}
    return api_as(alpha, role).post("/api/v1/pos/connections", body, format="json")


def test_creating_a_connection_shows_its_secret_and_token_once(alpha):
    response = _create(alpha)
    assert response.status_code == 201
    body = response.json()
    assert body["signing_secret"].startswith("whsec_")
    assert body["inbound_token"]
    assert body["has_credentials"] is True
    assert body["webhook_url"] == f"http://{alpha.host}/api/v1/pos/webhooks/{body['id']}"
    assert body["notification_url"].endswith(f"/api/v1/pos/iiko/{body['id']}/webhook")
    again = api_as(alpha, "owner").get(f"/api/v1/pos/connections/{body['id']}").json()
    assert "signing_secret" not in again and "inbound_token" not in again and "credentials" not in again
    assert "secret-api-login-123" not in str(again)


def test_credentials_are_encrypted_at_rest(alpha):
    connection_id = _create(alpha).json()["id"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM pos_posconnection WHERE id = %s", [connection_id])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert "secret-api-login-123" not in row
    stored = PosConnection.objects.get(pk=connection_id)
    assert decrypt_json(stored.credentials_encrypted) == {"api_login": "secret-api-login-123"}


def test_credentials_are_only_replaced_never_read_back(alpha):
    connection_id = _create(alpha).json()["id"]
    response = api_as(alpha, "owner").patch(
        f"/api/v1/pos/connections/{connection_id}", {"credentials": {"api_login": "new-login-456"}}, format="json"
    )
    assert response.status_code == 200
    assert "new-login-456" not in str(response.json())
    assert decrypt_json(PosConnection.objects.get(pk=connection_id).credentials_encrypted) == {
        "api_login": "new-login-456"
    }
    entry = AuditEntry.objects.get(action="pos.connection.changed")
    assert entry.data == {"credentials_replaced": ["api_login"]}
    assert "new-login-456" not in str(AuditEntry.objects.values_list("data", "changes"))


def test_incomplete_credentials_are_refused(alpha):
    response = _create(alpha, credentials={"api_key": "k"})
    assert response.status_code == 422
    assert "credentials" in response.json()["error"]["fields"]


def test_iiko_needs_its_organisation(alpha):
    response = _create(alpha, external_organization_id="")
    assert response.status_code == 422
    assert "external_organization_id" in response.json()["error"]["fields"]


def test_rotate_secret_returns_the_new_secret_once_and_both_sign_during_grace(alpha):
    created = _create(alpha, kind="webhook", credentials={}).json()
    response = api_as(alpha, "admin").post(f"/api/v1/pos/connections/{created['id']}/rotate-secret")
    assert response.status_code == 200
    new_secret = response.json()["signing_secret"]
    assert new_secret != created["signing_secret"]
    assert response.json()["previous_secret_valid_until"]
    hook = SignedWebhook(PosConnection.objects.get(pk=created["id"]), created["signing_secret"], api_on(alpha.host))
    assert hook.post(check_payload("ROT-1")).status_code == 202
    assert hook.post(check_payload("ROT-2"), secret=new_secret).status_code == 202
    assert AuditEntry.objects.filter(action="pos.connection.secret_rotated").count() == 1
    assert new_secret not in str(AuditEntry.objects.values_list("data", "changes"))


def test_rotate_token_returns_a_new_token(alpha):
    created = _create(alpha).json()
    response = api_as(alpha, "owner").post(f"/api/v1/pos/connections/{created['id']}/rotate-token", {}, format="json")
    assert response.status_code == 200
    assert response.json()["inbound_token"] not in ("", created["inbound_token"])


def test_managers_see_their_restaurants_connections_but_cannot_change_them(alpha):
    mine = _create(alpha).json()
    other = _create(alpha, restaurant=alpha.restaurants[1].pk).json()
    manager = api_as(alpha, "manager")
    assert [row["id"] for row in manager.get("/api/v1/pos/connections").json()["results"]] == [mine["id"]]
    assert manager.get(f"/api/v1/pos/connections/{other['id']}").status_code == 404
    assert manager.patch(f"/api/v1/pos/connections/{mine['id']}", {"name": "x"}, format="json").status_code == 403
    assert manager.post(f"/api/v1/pos/connections/{mine['id']}/rotate-secret").status_code == 403
    assert _create(alpha, role="manager").status_code == 403


def test_cashiers_see_no_connections(alpha):
    assert api_as(alpha, "cashier").get("/api/v1/pos/connections").status_code == 403


def test_pausing_a_connection_is_a_patch(alpha):
    created = _create(alpha).json()
    response = api_as(alpha, "owner").patch(
        f"/api/v1/pos/connections/{created['id']}", {"status": "paused"}, format="json"
    )
    assert response.json()["status"] == "paused"


def test_the_pos_type_cannot_change(alpha):
    created = _create(alpha).json()
    response = api_as(alpha, "owner").patch(
        f"/api/v1/pos/connections/{created['id']}", {"kind": "webhook"}, format="json"
    )
    assert response.status_code == 422


def test_a_connection_with_receipts_is_paused_not_deleted(alpha):
    created = _create(alpha, kind="webhook", credentials={}).json()
    hook = SignedWebhook(PosConnection.objects.get(pk=created["id"]), created["signing_secret"], api_on(alpha.host))
    hook.post(check_payload("DEL-1"))
    process_everything()
    response = api_as(alpha, "owner").delete(f"/api/v1/pos/connections/{created['id']}")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "connection_has_receipts"


def test_an_unused_connection_is_deleted_and_stops_accepting_checks(alpha):
    created = _create(alpha, kind="webhook", credentials={}).json()
    assert api_as(alpha, "owner").delete(f"/api/v1/pos/connections/{created['id']}").status_code == 204
    hook = SignedWebhook(PosConnection(pk=created["id"]), created["signing_secret"], api_on(alpha.host))
    assert hook.post(check_payload("DEL-2")).status_code == 404


def test_registering_with_iiko_sends_our_webhook_url_and_the_new_token(alpha, iiko_server):
    url, state = iiko_server
    created = _create(
        alpha, external_organization_id=state.organization_id, api_base_url=url, credentials={"api_login": "good-login"}
    ).json()
    response = api_as(alpha, "owner").post(
        f"/api/v1/pos/connections/{created['id']}/rotate-token", {"register_with_iiko": True}, format="json"
    )
    assert response.status_code == 200
    assert state.webhook_settings["authToken"] == response.json()["inbound_token"]
    assert state.webhook_settings["webHooksUri"] == f"http://{alpha.host}/api/v1/pos/iiko/{created['id']}/webhook"


def test_sync_now_polls_the_pos(alpha, iiko_server, django_capture_on_commit_callbacks):
    url, state = iiko_server
    created = _create(
        alpha, external_organization_id=state.organization_id, api_base_url=url, credentials={"api_login": "good-login"}
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(alpha, "admin").post(f"/api/v1/pos/connections/{created['id']}/sync")
    assert response.status_code == 202
    runs = api_as(alpha, "admin").get(f"/api/v1/pos/connections/{created['id']}/sync-runs").json()["results"]
    assert [run["status"] for run in runs] == ["succeeded"]
    assert state.calls("/api/1/deliveries/by_delivery_date_and_status")


def test_webhook_connections_are_not_polled(alpha):
    created = _create(alpha, kind="webhook", credentials={}).json()
    assert api_as(alpha, "owner").post(f"/api/v1/pos/connections/{created['id']}/sync").status_code == 422
