"""The signed link of a feedback request (email and SMS): works without signing in, names the request and the chain.

A maxloyalty.chain_links token of the request's id and the chain's schema, with its own salt. It expires with the
answer window (feedback.rules.ANSWER_WINDOW).
"""

from __future__ import annotations

from django.urls import reverse

from feedback.rules import ANSWER_WINDOW
from maxloyalty.chain_links import LinkExpired, chain_token, row_of_token

__all__ = ["SALT", "LinkExpired", "rating_token", "rating_url", "request_of_token"]

SALT = "feedback.rating"


def rating_token(*, request_id: int, schema_name: str) -> str:
    return chain_token(salt=SALT, key="request", row_id=request_id, schema_name=schema_name)


def request_of_token(token: str, *, schema_name: str) -> int | None:
    """The request id the token was made for on this chain; None for a forged, altered or foreign token;
    LinkExpired when it is genuine but older than the answer window."""
    return row_of_token(token, salt=SALT, key="request", schema_name=schema_name, max_age=ANSWER_WINDOW)


def rating_url(*, base_url: str, request_id: int, schema_name: str) -> str:
    token = rating_token(request_id=request_id, schema_name=schema_name)
    return f"{base_url}{reverse('feedback:rate', args=[token])}"
