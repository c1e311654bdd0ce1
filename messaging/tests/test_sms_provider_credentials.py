"""The chain's SMS provider: credentials encrypted at rest, read back by the selector, kept out of the audit log;
setting one makes a consented phone reachable by SMS."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from messaging.channels import choose_channel
from messaging.errors import UnknownChannel
from messaging.selectors import messaging_settings, sms_credentials
from messaging.services import set_sms_provider

TOKEN = "twilio-auth-token-secret-123"


def test_credentials_are_stored_encrypted_and_read_back(alpha):
    set_sms_provider(
        actor=alpha.user("owner"),
        provider="twilio",
        credentials={"account_sid": "AC1", "auth_token": TOKEN},
        sender_name="+15005550006",
    )

    row = messaging_settings()
    assert TOKEN not in row.sms_credentials_encrypted
    assert sms_credentials(row) == {"account_sid": "AC1", "auth_token": TOKEN}
    entry = AuditEntry.objects.get(action="messaging.sms_provider_set")
    assert TOKEN not in str(entry.changes) + str(entry.data)


def test_a_provider_makes_sms_reachable(alpha, make_guest):
    guest = make_guest(consents={"sms": True})
    set_sms_provider(actor=alpha.user("owner"), provider="smsru", credentials={"api_id": "x"}, sender_name="Alpha")

    choice = choose_channel(guest=guest, is_marketing=False, settings=messaging_settings())

    assert (choice.channel, choice.recipient) == ("sms", guest.phone)


def test_an_unknown_provider_is_refused(alpha):
    with pytest.raises(UnknownChannel):
        set_sms_provider(actor=alpha.user("owner"), provider="pigeon", credentials={})

    assert messaging_settings().sms_provider == ""
