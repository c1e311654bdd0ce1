"""The signed "add to wallet" link (email, bot, Mini App): works without signing in, names the guest and the chain.

django.core.signing with its own salt, like feedback.rating_links: a link of chain A opened on chain B's host is
refused; it expires after WALLET_LINK_DAYS.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "wallet.add"


class LinkExpired(Exception):
    pass


def add_token(*, guest_id: int, schema_name: str) -> str:
    return signing.dumps({"guest": guest_id, "chain": schema_name}, salt=SALT, compress=True)


def guest_of_token(token: str, *, schema_name: str) -> int | None:
    """The guest id the token was made for on this chain; None for a forged, altered or foreign token;
    LinkExpired when it is genuine but older than WALLET_LINK_DAYS."""
    try:
        data = signing.loads(token, salt=SALT, max_age=datetime.timedelta(days=settings.WALLET_LINK_DAYS))
    except signing.SignatureExpired as error:
        raise LinkExpired from error
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("chain") != schema_name or not isinstance(data.get("guest"), int):
        return None
    return int(data["guest"])


def add_url(*, base_url: str, guest_id: int, schema_name: str) -> str:
    return f"{base_url}{reverse('wallet:add', args=[add_token(guest_id=guest_id, schema_name=schema_name)])}"
