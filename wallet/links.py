"""The signed "add to wallet" link (email, bot, Mini App): works without signing in, names the guest and the chain.

A maxloyalty.chain_links token of the guest's id and the chain's schema, with its own salt; it expires after
WALLET_LINK_DAYS.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse

from maxloyalty.chain_links import LinkExpired, chain_token, row_of_token

__all__ = ["SALT", "LinkExpired", "add_token", "add_url", "guest_of_token"]

SALT = "wallet.add"


def add_token(*, guest_id: int, schema_name: str) -> str:
    return chain_token(salt=SALT, key="guest", row_id=guest_id, schema_name=schema_name)


def guest_of_token(token: str, *, schema_name: str) -> int | None:
    """The guest id the token was made for on this chain; None for a forged, altered or foreign token;
    LinkExpired when it is genuine but older than WALLET_LINK_DAYS."""
    max_age = datetime.timedelta(days=settings.WALLET_LINK_DAYS)
    return row_of_token(token, salt=SALT, key="guest", schema_name=schema_name, max_age=max_age)


def add_url(*, base_url: str, guest_id: int, schema_name: str) -> str:
    return f"{base_url}{reverse('wallet:add', args=[add_token(guest_id=guest_id, schema_name=schema_name)])}"
