"""API throttles: API_THROTTLE_RATE per user (or per address when anonymous), counted separately in each chain."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from maxloyalty.client_ip import client_ip

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class _RateFromSettings:
    """DRF binds the rates at import; read them per request so a changed setting takes effect."""

    scope: str

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)  # type: ignore[no-any-return]


class PerUserRateThrottle(_RateFromSettings, UserRateThrottle):
    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return f"throttle:user:{connection.schema_name}:{request.user.pk}"


class PerAddressRateThrottle(_RateFromSettings, AnonRateThrottle):
    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return f"throttle:anon:{connection.schema_name}:{client_ip(request)}"
