"""Errors of messaging: what the API and pages show, and what a provider's answer means for a retry."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from maxloyalty.errors import DomainError, NotFound


class UnknownChannel(DomainError):
    code, status, message = "unknown_channel", 422, _("Unknown channel")


class UnsubscribeLinkInvalid(NotFound):
    code, message = "unsubscribe_link_invalid", _("This unsubscribe link is not valid.")


class ProviderUnavailable(Exception):
    """The provider could not take the message now (a 5xx, a 429, a timeout, a refused connection): try again,
    after `retry_after` seconds when the provider said how long (Telegram's 429)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderRefused(Exception):
    """The provider refused the message for good (a 4xx, an invalid recipient): do not try again."""


class UnknownTemplate(NotFound):
    code, message = "unknown_template", _("No such message template (kind or language).")
