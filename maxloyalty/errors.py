"""One error format for the whole API: {"error": {"code", "message", "fields"}}; domain errors carry their code."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from maxloyalty.outages import is_outage

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A business rule refused the action. Subclasses set code, status and message."""

    code = "invalid"
    status = 400
    message: Any = _("Request is invalid")

    def __init__(self, message: Any = None, *, fields: dict[str, list[str]] | None = None, **details: object) -> None:
        if message is not None:
            self.message = message
        self.fields = fields or {}
        self.details = details
        super().__init__(str(self.message))


class PermissionDeniedError(DomainError):
    code, status, message = "permission_denied", 403, _("You do not have permission to do this.")


class NotFound(DomainError):
    code, status, message = "not_found", 404, _("Not found")


class Conflict(DomainError):
    code, status, message = "conflict", 409, _("The request conflicts with the current state")


class ValidationFailed(DomainError):
    code, status, message = "validation_failed", 422, _("Some fields are invalid")


def error_body(code: str, message: object, fields: dict[str, Any] | None = None, **details: object) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": str(message), "fields": fields or {}}
    body.update({key: value for key, value in details.items() if value is not None})
    return {"error": body}


def _messages(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _messages(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_messages(item) if isinstance(item, dict) else str(item) for item in value]
    return [str(value)]


def _fields_from(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {key: _messages(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": [str(item) for item in detail]}
    return {}


_CODES = {
    status.HTTP_400_BAD_REQUEST: "invalid",
    status.HTTP_401_UNAUTHORIZED: "not_authenticated",
    status.HTTP_403_FORBIDDEN: "permission_denied",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_406_NOT_ACCEPTABLE: "not_acceptable",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    status.HTTP_429_TOO_MANY_REQUESTS: "throttled",
}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every refusal in the uniform body; unexpected errors become a JSON 500."""
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.fields, **exc.details), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None and is_outage(exc):
        logger.warning("API request refused during an outage", exc_info=exc)
        return outage_response(Response)
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(
            error_body("server_error", _("Internal server error. The request id is in the X-Request-ID header.")),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields_from(exc.detail)
        response.data = error_body("validation_failed", _("Some fields are invalid"), fields)
        return response
    assert isinstance(exc, exceptions.APIException)
    detail = exc.detail
    code = getattr(detail, "code", None) if not isinstance(detail, (dict, list)) else None
    if code in (None, "error", "invalid", "not_found", "permission_denied", "not_authenticated"):
        code = _CODES.get(response.status_code, "error")
    if isinstance(detail, dict):
        message = detail.get("detail", _("Request refused"))
        fields = _fields_from(
            {key: value for key, value in detail.items() if key not in {"detail", "code", "messages"}}
        )
    else:
        message, fields = detail, {}
    extra: dict[str, object] = {}
    wait: float | None = (
        getattr(exc, "wait", None) if isinstance(exc, exceptions.Throttled) else None
    )  # not in the stubs
    if wait is not None:
        extra["retry_after_seconds"] = int(wait)
    response.data = error_body(str(code), message, fields, **extra)
    return response


class ServiceUnavailable(DomainError):
    code, status, message = (
        "service_unavailable",
        503,
        _("The service is temporarily unavailable. Try again shortly."),
    )


ResponseType = TypeVar("ResponseType", Response, JsonResponse)


def outage_response(response_class: type[ResponseType]) -> ResponseType:
    """The database, Redis or the broker is down or saturated: 503 and when to try again (a POS retries on 5xx)."""
    body = error_body(ServiceUnavailable.code, ServiceUnavailable.message)
    response = response_class(body, status=ServiceUnavailable.status)
    response["Retry-After"] = str(settings.OUTAGE_RETRY_AFTER_SECONDS)
    return response


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def api_error_response(request: HttpRequest, status_code: int, code: str, message: object) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)


@contextmanager
def domain_errors_into(form: forms.BaseForm) -> Iterator[None]:
    """Pages: a refused action shows its message on the form (per field where it names one), keeping the input."""
    try:
        yield
    except DomainError as error:
        add_domain_error(form, error)


def add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    for field, messages in error.fields.items():
        for message in messages if isinstance(messages, list) else [messages]:
            form.add_error(field if field in form.fields else None, str(message))
    if not error.fields:
        form.add_error(None, str(error.message))
