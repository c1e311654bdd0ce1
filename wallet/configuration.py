"""Which wallets this deployment can issue, from settings: a PEM setting may hold the PEM text or a file's path.

Every Apple or Google setting is optional; a wallet missing any of its settings is "not configured" and its
buttons (bot, Mini App, email page) are hidden.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

_APPLE = (
    "APPLE_PASS_TYPE_ID",
    "APPLE_TEAM_ID",
    "APPLE_PASS_CERTIFICATE",
    "APPLE_PASS_KEY",
    "APPLE_WWDR_CERTIFICATE",
)
_GOOGLE = ("GOOGLE_WALLET_ISSUER_ID", "GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL", "GOOGLE_WALLET_PRIVATE_KEY")


def apple_configured() -> bool:
    return all(getattr(settings, name, "") for name in _APPLE)


def google_configured() -> bool:
    return all(getattr(settings, name, "") for name in _GOOGLE)


def wallet_configured() -> bool:
    """Apple or Google: the guest's "add to wallet" buttons show."""
    return apple_configured() or google_configured()


def pem_bytes(value: str) -> bytes:
    """A PEM setting's bytes: the text itself when it holds a PEM block, else the file it names."""
    if "-----BEGIN" in value:
        return value.replace("\\n", "\n").encode()
    return Path(value).read_bytes()
