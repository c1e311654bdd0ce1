"""The Messaging settings page: owners and admins change quiet hours, caps, channel order and sender (audited);
other roles are kept out; bad input is a form error, not a 500."""

from __future__ import annotations

import datetime

import pytest
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from messaging.selectors import messaging_settings
from tests.fixtures import signed_in_client

URL = "/messaging/settings/"
VALID = {
    "quiet_hours_start": "22:00",
    "quiet_hours_end": "08:30",
    "marketing_per_day": "2",
    "marketing_per_week": "5",
    "channel_order": "email, telegram",
    "email_sender_name": "Alpha Cafe",
    "email_sender_address": "hello@alpha.example",
}


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_and_admin_save_the_settings(alpha, role):
    response = signed_in_client(alpha, role).post(URL, VALID)

    assert response.status_code == 302
    with schema_context(alpha.chain.schema_name):
        row = messaging_settings()
        assert (row.quiet_hours_start, row.quiet_hours_end) == (datetime.time(22), datetime.time(8, 30))
        assert (row.marketing_per_day, row.marketing_per_week, row.channel_order) == (2, 5, ["email", "telegram"])
        entry = AuditEntry.objects.get(action="messaging.settings_changed")
        assert entry.actor_id == alpha.user(role).pk and "channel_order" in entry.changes


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_other_roles_cannot_open_or_change_them(alpha, role):
    client = signed_in_client(alpha, role)

    page, change = client.get(URL), client.post(URL, {**VALID, "marketing_per_day": "9"})

    assert page.status_code in (302, 403) and change.status_code in (302, 403)
    with schema_context(alpha.chain.schema_name):
        assert messaging_settings().marketing_per_day == 1


def test_an_unknown_channel_is_a_form_error(alpha):
    response = signed_in_client(alpha, "owner").post(URL, {**VALID, "channel_order": "email, pigeon"})

    assert response.status_code == 422
    assert "List each of telegram, email and sms at most once." in response.content.decode()


def test_the_page_shows_the_current_values(alpha):
    response = signed_in_client(alpha, "owner").get(URL)

    assert response.status_code == 200
    assert "telegram, email, sms" in response.content.decode()


def test_chain_b_owner_does_not_change_chain_a(alpha, beta):
    signed_in_client(beta, "owner").post(URL, {**VALID, "marketing_per_day": "7"})

    with schema_context(alpha.chain.schema_name):
        assert messaging_settings().marketing_per_day == 1
