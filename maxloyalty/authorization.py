"""The one reader of the `Authorization` header: API authentication, the plan gate and the POS token checks agree.

`Authorization: <scheme> <credentials>` (RFC 9110 §11.6.2): the scheme is case-insensitive, scheme and credentials
are separated by spaces or tabs, the credentials are one word of visible ASCII. Anything else (three words, a
non-ASCII byte, control characters) is no credential at all, for every reader alike: a header the plan gate let
through as "not a token" can then never authenticate as one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADER = re.compile(r"[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]+([\x21-\x7e]+)[ \t]*")
_BARE = re.compile(r"[ \t]*([\x21-\x7e]+)[ \t]*")


@dataclass(frozen=True)
class Authorization:
    scheme: str  # lower case
    credentials: str


def parse_authorization(value: str | bytes | None) -> Authorization | None:
    """The header's scheme and credentials, or None when it is absent or not of that form."""
    if not value:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")  # how WSGI servers hand headers over
    matched = _HEADER.fullmatch(value)
    if matched is None:
        return None
    return Authorization(scheme=matched.group(1).lower(), credentials=matched.group(2))


def bearer_token(value: str | bytes | None, *, bare_allowed: bool = False) -> str | None:
    """The token of `Bearer <token>`; with bare_allowed, also a lone token (POS systems that echo ours as is)."""
    parsed = parse_authorization(value)
    if parsed is not None:
        return parsed.credentials if parsed.scheme == "bearer" else None
    if bare_allowed and value:
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        bare = _BARE.fullmatch(text)
        return bare.group(1) if bare else None
    return None
