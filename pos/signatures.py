"""The one HMAC check for signed POS webhooks (and the token check for POS systems that only echo a token).

A sender signs `"<timestamp>.<raw body>"` with HMAC-SHA256 under the connection's signing secret and sends
    X-MaxLoyalty-Timestamp: <unix seconds>
    X-MaxLoyalty-Signature: v1=<hex>[,v1=<hex>]
(several v1 values are allowed so a sender can sign with the old and the new secret while a rotation settles).
We accept when any v1 matches any secret still valid, and the timestamp is within the replay window.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

TIMESTAMP_HEADER = "X-MaxLoyalty-Timestamp"
SIGNATURE_HEADER = "X-MaxLoyalty-Signature"
SIGNATURE_VERSION = "v1"


class SignatureRefused(Exception):
    """Why a signed request was refused; `code` goes into the uniform error and the rejected-attempt log."""

    code = "signature_invalid"

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


def new_signing_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def new_inbound_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What we store for tokens we only need to recognise (never the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()


def signature_for(secret: str, timestamp: str | int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header_for(secret: str, timestamp: str | int, body: bytes) -> str:
    return f"{SIGNATURE_VERSION}={signature_for(secret, timestamp, body)}"


def _offered_signatures(header: str) -> list[str]:
    offered = []
    for part in header.split(","):
        scheme, _, value = part.strip().partition("=")
        value = value.strip().lower()
        if scheme == SIGNATURE_VERSION and value and value.isascii():  # compare_digest refuses non-ASCII text
            offered.append(value)
    return offered


def verify_signature(
    *,
    secrets_in_force: Iterable[str],
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    now: float,
    tolerance_seconds: int,
) -> None:
    """Raise SignatureRefused unless the body is signed by one of the secrets within the replay window."""
    if not timestamp_header or not signature_header:
        raise SignatureRefused("signature_missing")
    stamp = timestamp_header.strip()
    if not (stamp.isascii() and stamp.lstrip("-").isdigit()):  # int() would also read "١٢٣" or "1_000"
        raise SignatureRefused("timestamp_invalid")
    timestamp = int(stamp)
    if abs(now - timestamp) > tolerance_seconds:
        raise SignatureRefused("timestamp_stale")
    offered = _offered_signatures(signature_header)
    if not offered:
        raise SignatureRefused("signature_missing")
    matched = False
    for secret in secrets_in_force:
        expected = signature_for(secret, stamp, body)
        for candidate in offered:
            # Every comparison runs (no early exit) so timing says nothing about which part matched.
            matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise SignatureRefused("signature_invalid")


def token_matches(presented: str | None, stored_digest: str) -> bool:
    """The token a POS echoed (already taken out of its header by maxloyalty.authorization), in constant time."""
    if not presented or not stored_digest:
        return False
    return hmac.compare_digest(token_digest(presented), stored_digest)
