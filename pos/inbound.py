"""What an inbound POS push must prove before anything is stored (its refusals are in pos.errors).

One definition per kind of push: a signed webhook (`verified_webhook_check`, called by the webhook's API view and
the WSGI intake in front of Django, pos.webhook_intake) and a push proved by our token (`verified_token_push`, the
iiko and R-Keeper views). The views turn a refusal into the uniform error and a RejectedAttempt; the intake hands
the request to the view.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guests.phones import normalize_phone
from maxloyalty.errors import DomainError, error_body
from maxloyalty.request_context import current_client_ip
from maxloyalty.throttles import AddressFailureCounter
from pos import selectors
from pos.adapters.base import PosResponseInvalid
from pos.adapters.registry import adapter_class
from pos.check_format import PosCheck, load_json_body, parse_webhook_check
from pos.errors import (
    ConnectionOfAnotherKind,
    ConnectionPaused,
    MalformedNotification,
    Unauthenticated,
    UnknownConnection,
)
from pos.signatures import SignatureRefused, token_matches, verify_signature
from tenants.models import DEFAULT_CURRENCY

INBOUND_PREFIXES = ("/api/v1/pos/webhooks/", "/api/v1/pos/iiko/", "/api/v1/pos/rkeeper/")

# Refusals per sending address and minute (counted by pos.services.rejections.record_rejected_attempt).
refused_addresses = AddressFailureCounter("pos-inbound", lambda: settings.POS_REJECTIONS_PER_ADDRESS_PER_MINUTE)


class InboundFloodGate:
    """Django middleware, right after the request id (which knows the client's address) and before the chain is
    looked up: a POS push from an address refused POS_REJECTIONS_PER_ADDRESS_PER_MINUTE times this minute is
    answered 429 at the cost of one Redis read, nothing else. Other addresses (the restaurants' real POS servers)
    are not affected; the WSGI intake's accepted path does not come here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(INBOUND_PREFIXES) and refused_addresses.is_over(current_client_ip.get()):
            wait = refused_addresses.seconds_left()
            response = JsonResponse(
                error_body(
                    "throttled",
                    _("Too many refused calls from this address; try again later."),
                    retry_after_seconds=wait,
                ),
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        return self.get_response(request)


def refused_connection_id(error: DomainError, connection_id: int) -> int | None:
    """The connection a refused push is recorded against: none when no such connection exists."""
    return None if type(error) is UnknownConnection else connection_id


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
        raise Unauthenticated(refusal.code) from None
    if auth.is_paused:
        raise ConnectionPaused()
    check = parse_webhook_check(
        load_json_body(body),
        default_currency=default_currency or DEFAULT_CURRENCY,
        zone=auth.zone,
        normalize_phone=normalize_phone,
    )
    return auth, check


def verified_token_push(*, connection_id: int, kind: str, token: str | None, body: bytes) -> list[str]:
    """The order references of a push proved by the token we issued (iiko, R-Keeper: `kind`), in the current
    chain; the orders themselves are fetched from the POS afterwards. Refused, in this order: unknown connection
    or one of another kind (404), missing or wrong token (401 token_invalid), paused connection (403), a
    notification that cannot be read (400 malformed_notification)."""
    auth = selectors.inbound_auth(connection_id)
    if auth is None:
        raise UnknownConnection()
    if auth.kind != kind:
        raise ConnectionOfAnotherKind()
    if not token_matches(token, auth.inbound_token_digest):
        raise Unauthenticated("token_invalid")
    if auth.is_paused:
        raise ConnectionPaused()
    try:
        return adapter_class(kind).notification_refs(body)
    except PosResponseInvalid as problem:
        raise MalformedNotification(str(problem)) from None
