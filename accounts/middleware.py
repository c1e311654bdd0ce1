"""On a chain's host: a signed-in user without membership there is signed out; pages use the chain's time zone."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.contrib.auth import logout
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.access import access_for


class ChainMembershipMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        on_chain = tenant is not None and connection.schema_name != "public"
        if on_chain and request.user.is_authenticated and access_for(request) is None:
            logout(request)
            request._chain_access = None  # type: ignore[attr-defined]
        if on_chain:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tenant.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
