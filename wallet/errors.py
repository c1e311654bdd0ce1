"""Errors of the wallet's guest link, with the status its page answers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from maxloyalty.errors import DomainError


class WalletLinkInvalid(DomainError):
    code, status, message = "wallet_link_invalid", 404, _("This link is not valid. Ask for a new one in the bot.")


class WalletLinkExpired(DomainError):
    code, status, message = "wallet_link_expired", 410, _("This link has expired. Ask for a new one in the bot.")


class WalletNotConfigured(DomainError):
    code, status, message = "wallet_not_configured", 404, _("This wallet is not available.")


class WalletGuestNotActive(DomainError):
    code, status, message = (
        "wallet_guest_not_active",
        409,
        _("Only an active guest can get the add-to-wallet link: the link would not open for this guest."),
    )


class WalletLinkSentRecently(DomainError):
    """The link went to this guest this very minute (a double click, a retried call): sent once."""

    code, status, message = (
        "wallet_link_sent_recently",
        429,
        _("The add-to-wallet link was sent to this guest a moment ago. Please wait a minute before sending it again."),
    )
