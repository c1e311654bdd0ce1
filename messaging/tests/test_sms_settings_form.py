"""The SMS part of the Messaging settings page: owners and admins choose the provider and enter its credentials;
secrets are write-only (never shown back, kept when left empty) and never audited; an incomplete provider is a form
error; other roles are kept out."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from messaging.selectors import messaging_settings, sms_credentials
from tests.fixtures import signed_in_client

PAGE, URL = "/messaging/settings/", "/messaging/settings/sms/"
TOKEN = "twilio-secret-token-0042"
TWILIO = {
    "sms_provider": "twilio",
    "sender": "+15005550006",
    "twilio_account_sid": "AC" + "1" * 32,
    "twilio_auth_token": TOKEN,
}


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_and_admin_set_the_provider_and_the_secret_is_not_audited(alpha, role):
    response = signed_in_client(alpha, role).post(URL, TWILIO)

    assert response.status_code == 302
    with schema_context(alpha.chain.schema_name):
        row = messaging_settings()
        assert (row.sms_provider, row.sms_sender_name) == ("twilio", "+15005550006")
        assert sms_credentials(row) == {"account_sid": "AC" + "1" * 32, "auth_token": TOKEN}
        entry = AuditEntry.objects.get(action="messaging.sms_provider_set")
        assert entry.actor_id == alpha.user(role).pk
        assert entry.changes["sms_provider"] == ["", "twilio"]
        assert TOKEN not in str(entry.changes) + str(entry.data)


def test_the_secret_is_never_shown_back_and_an_empty_field_keeps_it(alpha):
    client = signed_in_client(alpha, "owner")
    client.post(URL, TWILIO)

    page = client.get(PAGE)
    client.post(URL, {**TWILIO, "twilio_auth_token": "", "sender": "AlphaCafe"})

    assert TOKEN not in page.content.decode()
    assert "AC" + "1" * 32 in page.content.decode()  # the SID is an identifier, shown back
    with schema_context(alpha.chain.schema_name):
        row = messaging_settings()
        assert row.sms_sender_name == "AlphaCafe"
        assert sms_credentials(row)["auth_token"] == TOKEN


def test_smsru_gets_a_callback_token_made_for_it(alpha):
    signed_in_client(alpha, "owner").post(URL, {"sms_provider": "smsru", "smsru_api_id": "API-ID-1"})

    with schema_context(alpha.chain.schema_name):
        credentials = sms_credentials(messaging_settings())
        assert credentials["api_id"] == "API-ID-1"
        assert len(credentials["callback_token"]) >= 32


def test_a_provider_without_its_secret_is_a_form_error(alpha):
    response = signed_in_client(alpha, "owner").post(URL, {**TWILIO, "twilio_auth_token": ""})

    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    with schema_context(alpha.chain.schema_name):
        assert messaging_settings().sms_provider == ""


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_other_roles_cannot_set_the_provider(alpha, role):
    response = signed_in_client(alpha, role).post(URL, TWILIO)

    assert response.status_code in (302, 403)
    with schema_context(alpha.chain.schema_name):
        assert messaging_settings().sms_provider == ""


def test_saving_smsru_registers_the_chains_status_callback_with_it(alpha, smsru, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in_client(alpha, "owner").post(URL, {"sms_provider": "smsru", "smsru_api_id": smsru.api_id})

    assert response.status_code == 302
    with schema_context(alpha.chain.schema_name):
        token = sms_credentials(messaging_settings())["callback_token"]
    [registered] = smsru.callbacks
    assert registered.endswith(f"/messaging/sms/smsru/status/?token={token}")
    assert alpha.host in registered
