"""API throttles: API_THROTTLE_RATE per user (or per address when anonymous), counted separately in each chain."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from maxloyalty.client_ip import client_ip

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class PerUserRateThrottle(UserRateThrottle):
    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return f"throttle:user:{connection.schema_name}:{request.user.pk}"


class PerAddressRateThrottle(AnonRateThrottle):
    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return f"throttle:anon:{connection.schema_name}:{client_ip(request)}"
