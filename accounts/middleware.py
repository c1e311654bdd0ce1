"""On a chain's host: a signed-in user without membership there is signed out; pages use the chain's time zone.
Sessions: qsessions records with the client's address, and the idle timeout per role."""

from __future__ import annotations

import ipaddress
import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from qsessions.middleware import SessionMiddleware as QSessionsMiddleware

from accounts.access import access_for, remember_access
from accounts.user_sessions import HOST_KEY, LAST_ACTIVITY_KEY, idle_minutes
from maxloyalty.client_ip import client_ip
from maxloyalty.current_schema import current_schema_name


class ChainMembershipMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        on_chain = tenant is not None and current_schema_name() != "public"
        if on_chain and request.user.is_authenticated and access_for(request) is None:
            logout(request)
            remember_access(request, None)
        if on_chain and tenant is not None:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tenant.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class ClientSessionMiddleware(QSessionsMiddleware):  # type: ignore[misc]  # django-qsessions ships no types
    """django-qsessions' middleware, recording the client's address by the trusted-proxy rule (client_ip)."""

    def process_request(self, request: HttpRequest) -> None:
        request.session = self.SessionStore(
            ip=_valid_address(client_ip(request)),
            user_agent=request.headers.get("User-Agent", ""),
            session_key=request.COOKIES.get(settings.SESSION_COOKIE_NAME),
        )


def _valid_address(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


class SessionIdleTimeoutMiddleware:
    """Signs out a session left unused longer than its role allows (accounts.user_sessions.idle_minutes); the page
    asked for then sends the browser to sign in as for any signed-out visitor. Activity is written at most once a
    minute, so a busy till does not save its session on every request."""

    ACTIVITY_WRITE_SECONDS = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        now = time.time()
        access = access_for(request) if current_schema_name() != "public" else None
        limit_seconds = 60 * idle_minutes(
            role=access.role if access is not None else None, is_platform_staff=bool(request.user.is_staff)
        )
        last = request.session.get(LAST_ACTIVITY_KEY)
        if last is not None and now - float(last) > limit_seconds:
            logout(request)
            remember_access(request, None)
            messages.info(request, _("You were signed out after a period of inactivity. Please sign in again."))
            return
        if last is None or now - float(last) >= self.ACTIVITY_WRITE_SECONDS:
            request.session[LAST_ACTIVITY_KEY] = int(now)
        if HOST_KEY not in request.session:
            request.session[HOST_KEY] = request.get_host()
