"""Reads of the messaging app shared by the channel choice, the services and the pages."""

from __future__ import annotations

from messaging.models import MessagingSettings


def messaging_settings() -> MessagingSettings:
    """The chain's one settings row (created with the defaults on first read)."""
    row, _created = MessagingSettings.objects.get_or_create(pk=1)
    return row
