"""The signed POS webhook's acknowledgement without Django's request cycle: a WSGI layer in front of the application.

It answers only the plain case, a correctly signed new check for a known, active connection, with the pieces the
API view uses (tenants.routing, pos.inbound.verified_webhook_check, acknowledge_checks) and as the view would (202,
the same headers); every other request goes to Django untouched. Every POS push is counted on the way in
(maxloyalty.pos_traffic: the tills' traffic that marketing yields to). Why and what it saves: docs/hot-path.md.
"""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django_tenants.utils import get_public_schema_name, remove_www

from maxloyalty.errors import DomainError
from maxloyalty.group_commit import GroupCommit
from maxloyalty.pos_traffic import note_pos_push
from maxloyalty.request_context import REQUEST_ID_HEADER, SAFE_REQUEST_ID, current_request_id
from pos.inbound import INBOUND_PREFIXES, verified_webhook_check
from pos.models import ReceiptSource, ReceiptStatus
from pos.services.receipts.acknowledgement import CheckToAcknowledge, ReceiptState, acknowledge_checks
from pos.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER
from tenants.routing import chain_for_host

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper

logger = logging.getLogger(__name__)

WEBHOOK_PATH = re.compile(r"/api/v1/pos/webhooks/([0-9]{1,18})")
_SIGNATURE_KEY = "HTTP_" + SIGNATURE_HEADER.upper().replace("-", "_")
_TIMESTAMP_KEY = "HTTP_" + TIMESTAMP_HEADER.upper().replace("-", "_")
_REQUEST_ID_KEY = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _no_response(request: HttpRequest) -> HttpResponse:
    raise AssertionError("the intake's middlewares only inspect requests and decorate responses")


class WebhookIntake:
    """WSGI application: acknowledges plain signed webhooks itself, hands every other request to `app`."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        # Django's own security middlewares, for the same HTTPS redirect decision and response headers as the view's.
        self.security = SecurityMiddleware(_no_response)
        self.frame_options = XFrameOptionsMiddleware(_no_response)
        self._headers_by_security: dict[bool, list[tuple[str, str]]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(INBOUND_PREFIXES):
            note_pos_push()  # the tills' traffic, which marketing sends yield to (messaging.pacing)
        matched = WEBHOOK_PATH.fullmatch(path)
        if matched is None or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        body = _read_body(environ)
        if body is None:
            return self.app(environ, start_response)
        incoming_id = environ.get(_REQUEST_ID_KEY, "")
        request_id = incoming_id if SAFE_REQUEST_ID.match(incoming_id) else uuid.uuid4().hex
        token = current_request_id.set(request_id)
        try:
            request = WSGIRequest(environ)
            receipt_id = None
            if self.security.process_request(request) is None:  # not to be redirected to HTTPS first
                receipt_id = acknowledge(request, connection_id=int(matched.group(1)), body=body)
        finally:
            current_request_id.reset(token)
        if receipt_id is None:
            environ[_REQUEST_ID_KEY] = request_id  # the same id on Django's answer and log lines
            environ["wsgi.input"] = io.BytesIO(body)  # Django reads the body again
            return self.app(environ, start_response)
        state = ReceiptState(receipt_id=receipt_id, status=ReceiptStatus.RECEIVED, created=True)
        answer = json.dumps(state.as_response(), separators=(",", ":")).encode()  # the view's body, defined once
        start_response("202 Accepted", [*self._accepted_headers(request), (REQUEST_ID_HEADER, request_id)])
        return [answer]

    def _accepted_headers(self, request: HttpRequest) -> list[tuple[str, str]]:
        """The headers of a 202 as Django's security middlewares decorate it. They depend on the request only
        through whether it came over HTTPS (HSTS), so each of the two lists is made once, by the middlewares."""
        secure = request.is_secure()
        headers = self._headers_by_security.get(secure)
        if headers is None:
            response = HttpResponse(status=202, content_type="application/json")
            response = self.frame_options.process_response(request, self.security.process_response(request, response))
            headers = self._headers_by_security[secure] = list(response.items())
        return headers


def acknowledge(request: HttpRequest, *, connection_id: int, body: bytes) -> int | None:
    """The new receipt's id when the request is a plain signed new check, stored now; None: let Django answer."""
    try:
        hostname = remove_www(request.get_host().split(":")[0])
    except DisallowedHost:
        return None
    # This thread's connection, looked up once (not per attribute): django-tenants' wrapper (settings.DATABASES).
    database: TenantDatabaseWrapper = connections[DEFAULT_DB_ALIAS]  # type: ignore[assignment]  # see above
    _close_old_connection(database)
    previous = database.tenant
    try:
        chain = chain_for_host(hostname)
        if chain is None or chain.schema_name == get_public_schema_name():
            return None
        database.set_tenant(chain)
        item = _verified_check(request.META, connection_id=connection_id, body=body, currency=chain.currency)
        return None if item is None else acknowledgements.submit(chain, item)
    except Exception:  # a database or cache error, anything unforeseen: Django answers it, in the uniform format
        logger.warning("Webhook intake: the request goes to Django after an error", exc_info=True)
        return None
    finally:
        database.set_tenant(previous)
        _close_old_connection(database)


def _verified_check(
    environ: dict[str, Any], *, connection_id: int, body: bytes, currency: str
) -> CheckToAcknowledge | None:
    try:
        auth, check = verified_webhook_check(
            connection_id=connection_id,
            timestamp_header=environ.get(_TIMESTAMP_KEY),
            signature_header=environ.get(_SIGNATURE_KEY),
            body=body,
            default_currency=currency,
        )
    except DomainError:
        return None
    return CheckToAcknowledge(connection_id, auth.restaurant_id, check, ReceiptSource.WEBHOOK)


def _write_acknowledgements(chain: Hashable, items: Sequence[CheckToAcknowledge]) -> list[int | None]:
    """The leading thread stores the checks of one chain that arrived together, on its own database connection."""
    database: TenantDatabaseWrapper = connections[DEFAULT_DB_ALIAS]  # type: ignore[assignment]  # as in acknowledge
    previous = database.tenant
    database.set_tenant(chain)  # type: ignore[arg-type]  # the group's key is the chain
    try:
        return acknowledge_checks(items)
    finally:
        database.set_tenant(previous)


# Group commit (a threaded server, e.g. gunicorn gthread): webhooks acknowledged by this process's threads at the
# same moment share one INSERT and one commit. Alone, a webhook is written at once as before.
acknowledgements: GroupCommit[CheckToAcknowledge, int | None] = GroupCommit(_write_acknowledgements)


def _close_old_connection(database: BaseDatabaseWrapper) -> None:
    """What Django does for a connection when a request starts and ends: close it when past CONN_MAX_AGE or broken
    (never inside a transaction: a test's, or a caller's)."""
    if not database.in_atomic_block:
        database.close_if_unusable_or_obsolete()


def _read_body(environ: dict[str, Any]) -> bytes | None:
    """The body, or None when Django should see the request as it came (no length, or over the API's limit)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    limit = settings.API_MAX_BODY_BYTES  # Django answers a larger body 413 (maxloyalty.api), unread
    if length <= 0 or length > limit or environ.get("wsgi.input") is None:
        return None
    body: bytes = environ["wsgi.input"].read(length)
    return body
