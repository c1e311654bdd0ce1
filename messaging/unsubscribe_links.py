"""The signed unsubscribe link of marketing email: works without signing in, names the guest and the chain.

django.core.signing with its own salt: the token carries the guest's id and the chain's schema, so a link of chain
A opened on chain B's host is refused. It does not expire: an old email's link must still unsubscribe.
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

SALT = "messaging.unsubscribe"


def unsubscribe_token(*, guest_id: int, schema_name: str) -> str:
    return signing.dumps({"guest": guest_id, "chain": schema_name}, salt=SALT, compress=True)


def guest_of_token(token: str, *, schema_name: str) -> int | None:
    """The guest id the token was made for on this chain; None for a forged, altered or foreign token."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("chain") != schema_name or not isinstance(data.get("guest"), int):
        return None
    return int(data["guest"])


def unsubscribe_url(*, base_url: str, guest_id: int, schema_name: str) -> str:
    token = unsubscribe_token(guest_id=guest_id, schema_name=schema_name)
    return f"{base_url}{reverse('messaging:unsubscribe', args=[token])}"
