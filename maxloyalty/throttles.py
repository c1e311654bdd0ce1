"""API throttles: API_THROTTLE_RATE per user (or per address when anonymous), counted separately in each chain;
and refused unauthenticated calls per address (AddressFailureCounter)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from maxloyalty.client_ip import client_ip
from maxloyalty.current_schema import current_schema_name

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class _RateFromSettings:
    """DRF binds the rates at import; read them per request so a changed setting takes effect."""

    scope: str | None

    def get_rate(self) -> str | None:
        rates: dict[str | None, str | None] = api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[assignment]  # "100/min"
        return rates.get(self.scope)


class PerUserRateThrottle(_RateFromSettings, UserRateThrottle):
    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return f"throttle:user:{current_schema_name()}:{request.user.pk}"


class PerAddressRateThrottle(_RateFromSettings, AnonRateThrottle):
    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return f"throttle:anon:{current_schema_name()}:{client_ip(request)}"


class AddressFailureCounter:
    """Refused calls per address and minute in Redis (the platform cache: the same address in every chain), so a
    flood of bad calls can be turned away before any database work: `is_over` reads one key, `count` adds one.

    A window is the current wall-clock minute; a blocked address is let in again when its minute ends.
    """

    def __init__(self, scope: str, limit: Callable[[], int]) -> None:
        self.scope = scope
        self.limit = limit

    def _key(self, address: str, minute: int) -> str:
        return f"failures:{self.scope}:{address}:{minute}"

    def count(self, address: str | None) -> int:
        if not address:
            return 0
        minute = int(time.time() // 60)
        key = self._key(address, minute)
        store = caches["platform"]
        store.add(key, 0, timeout=120)
        try:
            return int(store.incr(key))
        except ValueError:  # expired between add and incr
            store.set(key, 1, timeout=120)
            return 1

    def is_over(self, address: str | None) -> bool:
        if not address:
            return False
        return int(caches["platform"].get(self._key(address, int(time.time() // 60))) or 0) >= self.limit()

    @staticmethod
    def seconds_left() -> int:
        return 60 - int(time.time()) % 60
