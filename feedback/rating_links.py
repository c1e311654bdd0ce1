"""The signed link of a feedback request (email and SMS): works without signing in, names the request and the chain.

django.core.signing with its own salt, like messaging.unsubscribe_links: a link of chain A opened on chain B's
host is refused. It expires with the answer window (feedback.rules.ANSWER_WINDOW).
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from feedback.rules import ANSWER_WINDOW

SALT = "feedback.rating"


class LinkExpired(Exception):
    pass


def rating_token(*, request_id: int, schema_name: str) -> str:
    return signing.dumps({"request": request_id, "chain": schema_name}, salt=SALT, compress=True)


def request_of_token(token: str, *, schema_name: str) -> int | None:
    """The request id the token was made for on this chain; None for a forged, altered or foreign token;
    LinkExpired when it is genuine but older than the answer window."""
    try:
        data = signing.loads(token, salt=SALT, max_age=ANSWER_WINDOW)
    except signing.SignatureExpired as error:
        raise LinkExpired from error
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("chain") != schema_name or not isinstance(data.get("request"), int):
        return None
    return int(data["request"])


def rating_url(*, base_url: str, request_id: int, schema_name: str) -> str:
    token = rating_token(request_id=request_id, schema_name=schema_name)
    return f"{base_url}{reverse('feedback:rate', args=[token])}"
