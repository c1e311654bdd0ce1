"""The signed unsubscribe link of marketing email: works without signing in, names the guest and the chain.

A maxloyalty.chain_links token of the guest's id and the chain's schema, with its own salt. It does not expire: an
old email's link must still unsubscribe.
"""

from __future__ import annotations

from django.urls import reverse

from maxloyalty.chain_links import chain_token, row_of_token

SALT = "messaging.unsubscribe"


def unsubscribe_token(*, guest_id: int, schema_name: str) -> str:
    return chain_token(salt=SALT, key="guest", row_id=guest_id, schema_name=schema_name)


def guest_of_token(token: str, *, schema_name: str) -> int | None:
    """The guest id the token was made for on this chain; None for a forged, altered or foreign token."""
    return row_of_token(token, salt=SALT, key="guest", schema_name=schema_name)


def unsubscribe_url(*, base_url: str, guest_id: int, schema_name: str) -> str:
    token = unsubscribe_token(guest_id=guest_id, schema_name=schema_name)
    return f"{base_url}{reverse('messaging:unsubscribe', args=[token])}"
