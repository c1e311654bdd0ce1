"""Conventions shared by every API endpoint: pagination (and its OpenAPI shape), input validation, and the limits
on request bodies (size: RequestBodyLimitMiddleware, 413; JSON nesting and syntax: JSONBodyParser, 400)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.parsers import JSONParser

from maxloyalty.json_bodies import MalformedJson, load_json

# The API and the POS pushes, the Telegram bot's and the payment providers' webhooks.
BODY_LIMITED_PREFIXES = ("/api/", "/telegram/", "/billing/webhooks/")


class StandardPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class NewestFirstCursorPagination(CursorPagination):
    """Keyset pages of a list newest first (created_at, id), for lists too long for page numbers (OFFSET reads and
    skips every row before the page): {next, previous, results}, no count; `next` carries an opaque `cursor`."""

    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 500


def page_of(name: str, item: serializers.Serializer[Any]) -> serializers.Serializer[Any]:
    """The shape of a StandardPagination page of `item`s."""
    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item,
        },
    )


def validated(serializer_class: type[serializers.Serializer[Any]], data: Any, **kwargs: Any) -> dict[str, Any]:
    """Validate input with a serializer and return its data; invalid input raises the uniform 400."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = _("The request body is too large.")


def malformed_json(message: Any = None) -> ParseError:
    return ParseError(message or _("The body is not valid JSON."), code="malformed_json")


def body_too_large_response() -> JsonResponse:
    from maxloyalty.errors import error_body  # errors → DRF views → this module's parser: imported when used

    limit = settings.API_MAX_BODY_BYTES
    return JsonResponse(
        error_body(PayloadTooLarge.default_code, PayloadTooLarge.default_detail, max_bytes=limit), status=413
    )


def declared_body_too_large(meta: dict[str, Any]) -> bool:
    """Whether a request declares a body over API_MAX_BODY_BYTES (file uploads, multipart, have their own limits)."""
    if str(meta.get("CONTENT_TYPE", "")).startswith("multipart/"):
        return False
    limit: int = settings.API_MAX_BODY_BYTES
    try:
        return int(meta.get("CONTENT_LENGTH") or 0) > limit
    except ValueError:
        return False  # Django reads such a body as empty


class RequestBodyLimitMiddleware:
    """Django middleware, before anything reads the body or the database: an API (or Telegram webhook) request
    declaring a body over API_MAX_BODY_BYTES is answered 413 in the uniform format without reading it. (Without
    Content-Length Django reads no body at all.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(BODY_LIMITED_PREFIXES) and declared_body_too_large(request.META):
            return body_too_large_response()
        return self.get_response(request)


class JSONBodyParser(JSONParser):
    """DRF's JSON parser with limits: at most API_MAX_BODY_BYTES are read (413 past that), and what is not JSON
    (RFC 8259: no NaN or Infinity), or nests deeper than API_MAX_JSON_DEPTH, is a 400 `malformed_json`, never a
    500 (Python's parser raises RecursionError on very deep nesting)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge()
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            return load_json(raw.decode(encoding))
        except MalformedJson as error:
            raise malformed_json(_("The JSON nests too deeply.") if error.too_deep else None) from None
        except (UnicodeDecodeError, LookupError):
            raise malformed_json() from None
