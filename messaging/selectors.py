"""Reads of the messaging app shared by the channel choice, the services and the pages."""

from __future__ import annotations

from typing import Any

from maxloyalty.encryption import decrypt_json
from messaging.models import MessagingSettings


def messaging_settings() -> MessagingSettings:
    """The chain's one settings row (created with the defaults on first read)."""
    row, _created = MessagingSettings.objects.get_or_create(pk=1)
    return row


def sms_credentials(row: MessagingSettings) -> dict[str, Any]:
    """The chain's SMS provider credentials, decrypted ({} when none are set)."""
    return decrypt_json(row.sms_credentials_encrypted) if row.sms_credentials_encrypted else {}
