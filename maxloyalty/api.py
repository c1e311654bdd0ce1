"""Conventions shared by every API endpoint: pagination (page numbers, or keyset cursors for the lists over tables that
grow for years; and their OpenAPI shapes), input validation, and the limits on request bodies (size: RequestBodyLimitMiddleware, 413; JSON nesting and syntax: JSONBodyParser, 400)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from maxloyalty.capped_count import CappedCount, CappedCountPaginator
from maxloyalty.json_bodies import MalformedJson, load_json

if TYPE_CHECKING:
    from maxloyalty.keyset import KeysetPage

# The API and the POS pushes, the Telegram bot's and the payment providers' webhooks.
BODY_LIMITED_PREFIXES = ("/api/", "/telegram/", "/billing/webhooks/")


class StandardPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class CappedCountPagination(StandardPagination):
    """StandardPagination whose `count` stops at a cap (maxloyalty.capped_count; the counter is the app's rule),
    with `count_is_capped` in the page: true when there are more rows than `count`."""

    def __init__(self, counter: Callable[[Any], CappedCount]) -> None:
        self.django_paginator_class = CappedCountPaginator.counting_with(counter)

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        paginator = self.page.paginator if self.page is not None else None
        response.data["count_is_capped"] = isinstance(paginator, CappedCountPaginator) and paginator.count_is_capped
        return response


ErrorOut = inline_serializer(
    "Error",
    {
        "error": inline_serializer(
            "ErrorBody",
            {
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
            },
        )
    },
)


def error_responses(**described: str) -> dict[int, OpenApiResponse]:
    """extend_schema responses for refusals, the uniform error body: error_responses(_409="Not enough points")."""
    return {int(code.lstrip("_")): OpenApiResponse(ErrorOut, description=text) for code, text in described.items()}


def page_of(name: str, item: serializers.Serializer[Any], *, capped: bool = False) -> serializers.Serializer[Any]:
    """The shape of a StandardPagination page of `item`s (`capped`: of a CappedCountPagination page)."""
    fields: dict[str, serializers.Field[Any, Any, Any, Any]] = {"count": serializers.IntegerField()}
    if capped:
        fields["count"] = serializers.IntegerField(help_text="The rows, counted up to a cap (see count_is_capped)")
        fields["count_is_capped"] = serializers.BooleanField(help_text="Whether there are more rows than `count`")
    fields["next"] = serializers.URLField(allow_null=True)
    fields["previous"] = serializers.URLField(allow_null=True)
    fields["results"] = item
    return inline_serializer(name, fields)


Row = TypeVar("Row", bound=Model)

KEYSET_PARAMETERS = [
    OpenApiParameter(
        "cursor",
        OpenApiTypes.STR,
        description="An opaque position from a previous page's `next` or `previous` link (absent: the newest rows). "
        "An invalid cursor is a 400 `invalid_cursor`.",
    ),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Rows per page (default 50, at most 500)"),
]


def keyset_page_of(
    name: str, item: serializers.Serializer[Any], *, with_count: bool = False
) -> serializers.Serializer[Any]:
    """The shape of a keyset page of `item`s (`with_count`: also the number of rows, where counting is cheap)."""
    fields: dict[str, serializers.Field[Any, Any, Any, Any]] = {}
    if with_count:
        fields["count"] = serializers.IntegerField()
    fields["next"] = serializers.URLField(allow_null=True, help_text="The older rows (null: none)")
    fields["previous"] = serializers.URLField(allow_null=True, help_text="The newer rows (null: this is the newest)")
    fields["results"] = item
    return inline_serializer(name, fields)


def _page_size(request: Request) -> int:
    default: int = settings.REST_FRAMEWORK["PAGE_SIZE"]
    try:
        wanted = int(request.query_params.get("page_size", default))
    except ValueError:
        return default
    return min(max(wanted, 1), StandardPagination.max_page_size) if wanted > 0 else default


def keyset_response(
    request: Request,
    queryset: QuerySet[Row],
    *,
    time_field: str,
    output: Callable[[list[Row]], Any],
    with_count: bool = False,
) -> Response:
    """A newest-first keyset page (maxloyalty.keyset) of `queryset` as {"next", "previous", "results"}, the links
    carrying the cursor; `with_count` adds "count" (only for lists bounded by one guest: a chain's 5M rows are not
    counted for a page). An invalid cursor raises InvalidCursor, the uniform 400."""
    # errors → DRF views → this module's parser: the keyset module (which imports errors) is imported when used
    from maxloyalty.keyset import cursor_parameter, keyset_page

    page: KeysetPage[Row] = keyset_page(
        queryset, time_field=time_field, cursor=cursor_parameter(request.query_params), size=_page_size(request)
    )
    url = remove_query_param(request.build_absolute_uri(), "page")
    body: dict[str, Any] = {"count": queryset.count()} if with_count else {}
    body["next"] = replace_query_param(url, "cursor", page.older_cursor) if page.older_cursor else None
    body["previous"] = replace_query_param(url, "cursor", page.newer_cursor) if page.newer_cursor else None
    body["results"] = output(page.rows)
    return Response(body)


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
