"""Signed links that work without signing in (unsubscribe, feedback rating, add to wallet): a token names one row of
one chain, `{<key>: id, "chain": schema}` signed by django.core.signing with the link kind's own salt, so a link of
chain A opened on chain B's host, or a token of one kind used as another, is refused."""

from __future__ import annotations

import datetime

from django.core import signing


class LinkExpired(Exception):
    """The token is genuine but older than its kind allows."""


def chain_token(*, salt: str, key: str, row_id: int, schema_name: str) -> str:
    return signing.dumps({key: row_id, "chain": schema_name}, salt=salt, compress=True)


def row_of_token(
    token: str, *, salt: str, key: str, schema_name: str, max_age: datetime.timedelta | None = None
) -> int | None:
    """The id the token was made for on this chain; None for a forged, altered, foreign or other-kind token;
    LinkExpired when it is genuine but older than `max_age` (None: it never expires)."""
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as error:
        raise LinkExpired from error
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("chain") != schema_name or not isinstance(data.get(key), int):
        return None
    return int(data[key])
