"""Readable error pages for people and the uniform JSON error for API paths (400/403/404/500, 503 in an outage)."""

from __future__ import annotations

import sys
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from maxloyalty.errors import DomainError, api_error_response, is_api_request, outage_response
from maxloyalty.outages import is_outage

_PAGES = {
    400: ("bad_request", "Bad request"),
    403: ("permission_denied", "You do not have permission to do this."),
    404: ("not_found", "Not found"),
    500: ("server_error", "Internal server error. The request id is in the X-Request-ID header."),
}


def _respond(request: HttpRequest, status: int) -> HttpResponse:
    code, message = _PAGES[status]
    if is_api_request(request):
        return api_error_response(request, status, code, _(message))
    return render(request, "errors/error.html", {"status": status, "message": _(message)}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _respond(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _respond(request, 403)


@csrf_exempt  # as the view of unknown API paths: the JSON 404 for every method, not the CSRF page (nothing changes)
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _respond(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_outage(sys.exc_info()[1]):  # Django calls this inside the except block of the failed request
        return service_unavailable(request)
    code, message = _PAGES[500]
    if is_api_request(request):
        return api_error_response(request, 500, code, message)
    # The 500 template renders without a request context: no database or session work may fail again here.
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """An outage: the uniform 503 on API paths; for people a page rendered without a request context (nothing here
    may need the database or the cache)."""
    if is_api_request(request):
        return outage_response(JsonResponse)
    from django.template import loader

    response = HttpResponse(loader.get_template("errors/503.html").render(), status=503)
    response["Retry-After"] = str(settings.OUTAGE_RETRY_AFTER_SECONDS)
    return response


class DomainErrorMiddleware:
    """Pages: a refusal raised by a service (DomainError) becomes a readable page with its status, never a 500.
    (The API renders the same errors through maxloyalty.errors.api_exception_handler.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError) or is_api_request(request):
            return None
        template = "errors/_inline.html" if request.headers.get("HX-Request") else "errors/error.html"
        return render(
            request, template, {"status": exception.status, "message": exception.message}, status=exception.status
        )
