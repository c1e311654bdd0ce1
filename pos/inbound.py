"""What an inbound POS push must prove before anything is stored, and the refusals it gets otherwise.

One definition for the webhook's API view and for the WSGI intake in front of Django (pos.webhook_intake): both
call `verified_webhook_check`; the view turns a refusal into the uniform error and a RejectedAttempt, the intake
hands the request to the view.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guests.phones import normalize_phone
from maxloyalty.errors import DomainError
from pos import selectors
from pos.check_format import PosCheck, load_json_body, parse_webhook_check
from pos.signatures import SignatureRefused, verify_signature
from tenants.models import DEFAULT_CURRENCY


class Unauthenticated(DomainError):
    status = 401


class ConnectionPaused(DomainError):
    code, status, message = "connection_paused", 403, _("This POS connection is paused.")


class UnknownConnection(DomainError):
    code, status, message = "connection_not_found", 404, _("No such POS connection.")


SIGNATURE_MESSAGES = {
    "signature_missing": _("The request is not signed: send X-MaxLoyalty-Timestamp and X-MaxLoyalty-Signature."),
    "timestamp_invalid": _("X-MaxLoyalty-Timestamp must be Unix seconds."),
    "timestamp_stale": _("The timestamp is outside the 5-minute window: check the sender's clock, sign again."),
    "signature_invalid": _("The signature does not match the body."),
    "token_invalid": _("The token in Authorization is missing or wrong."),
}


def unauthenticated(code: str) -> Unauthenticated:
    error = Unauthenticated(SIGNATURE_MESSAGES[code])
    error.code = code
    return error


def verified_webhook_check(
    *,
    connection_id: int,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    default_currency: str,
) -> tuple[selectors.InboundAuth, PosCheck]:
    """The connection's signing material and the parsed check of a signed webhook, in the current chain. Refused,
    in this order: unknown connection (404), missing/stale/bad signature (401), paused connection (403), invalid
    body (400/422, with field errors)."""
    auth = selectors.inbound_auth(connection_id)
    if auth is None:
        raise UnknownConnection()
    try:
        verify_signature(
            secrets_in_force=auth.secrets_in_force(timezone.now()),
            timestamp_header=timestamp_header,
            signature_header=signature_header,
            body=body,
            now=time.time(),
            tolerance_seconds=settings.POS_SIGNATURE_TOLERANCE_SECONDS,
        )
    except SignatureRefused as refusal:
        raise unauthenticated(refusal.code) from None
    if auth.is_paused:
        raise ConnectionPaused()
    check = parse_webhook_check(
        load_json_body(body),
        default_currency=default_currency or DEFAULT_CURRENCY,
        zone=auth.zone,
        normalize_phone=normalize_phone,
    )
    return auth, check
