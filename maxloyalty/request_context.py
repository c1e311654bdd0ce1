"""What the current request is: its id (on every log line and in the X-Request-ID header) and client address."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.db import connection
from django.http import HttpRequest, HttpResponse

from maxloyalty.client_ip import client_ip

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="-")
current_client_ip: ContextVar[str | None] = ContextVar("current_client_ip", default=None)
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # for views and error pages
        id_token = current_request_id.set(request_id)
        ip_token = current_client_ip.set(client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(id_token)
            current_client_ip.reset(ip_token)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestContextFilter(logging.Filter):
    """Adds request_id and chain (the current schema) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)  # django.request logs after the middleware has returned
        record.request_id = getattr(request, "request_id", None) or current_request_id.get()
        record.chain = getattr(connection, "schema_name", "-") or "-"
        return True
