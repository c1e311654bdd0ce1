"""The one-time hand-off from the platform host to a chain's host: a signed link that signs its user in there once.

The platform host (chain chooser, chain switcher, sign-up confirmation) mints the link with handoff_url; the chain's
host redeems it with redeem_handoff: a token that is forged, older than HANDOFF_MAX_AGE_SECONDS, used before, made
for another chain or naming someone who no longer works there gives no user, so the door never signs them in.
"""

from __future__ import annotations

import secrets

from django.core import signing
from django.core.cache import caches

from accounts.access import resolve_access
from accounts.models import User
from tenants.models import Chain

HANDOFF_SALT = "accounts.handoff"
HANDOFF_MAX_AGE_SECONDS = 60


def handoff_url(user: User, chain: Chain) -> str:
    token = signing.dumps({"user": user.pk, "chain": chain.pk, "nonce": secrets.token_urlsafe(12)}, salt=HANDOFF_SALT)
    return f"{chain.base_url}/accounts/handoff/?token={token}"


def redeem_handoff(token: str, *, chain_id: int | None) -> User | None:
    """The active staff member of this chain a fresh, unused token made for it names; None otherwise. The token is
    spent either way."""
    try:
        payload = signing.loads(token, salt=HANDOFF_SALT, max_age=HANDOFF_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    fresh = caches["platform"].add(f"handoff:{payload['nonce']}", 1, timeout=HANDOFF_MAX_AGE_SECONDS * 2)
    user = User.objects.filter(pk=payload["user"], is_active=True).first() if fresh else None
    if user is None or chain_id is None or payload["chain"] != chain_id:
        return None
    return user if resolve_access(user, chain_id) is not None else None
