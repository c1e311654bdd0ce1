"""Host → chain routing with a cache: Redis shared by all processes plus a short in-process layer.

django-tenants looks the Domain up on every request; at 1,000 chains that query dominates a request's cost.
The Redis entry is deleted when a domain or chain changes (see signals.py); the in-process layer lives for
TENANT_ROUTING_LOCAL_TTL seconds, so a change reaches every process within that time.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import caches
from django_tenants.middleware.main import TenantMainMiddleware

from maxloyalty.db.fast_instances import new_instance
from maxloyalty.local_cache import LocalTTLCache
from tenants.models import Chain, Domain

_MISSING = "missing"
_local_routes: LocalTTLCache[str, dict[str, Any] | str] = LocalTTLCache("TENANT_ROUTING_LOCAL_TTL", per_schema=False)
_CHAIN_FIELDS = (
    "id",
    "schema_name",
    "name",
    "slug",
    "time_zone",
    "currency",
    "default_language",
    "status",
    "logo",
    "card_background",
    "card_foreground",
    "card_label",
)


def routing_cache_key(hostname: str) -> str:
    return f"routing:host:{hostname}"


def forget_host(hostname: str) -> None:
    caches["platform"].delete(routing_cache_key(hostname))
    _local_routes.invalidate(hostname)


def forget_chain(chain: Chain) -> None:
    for domain in Domain.objects.filter(tenant=chain).values_list("domain", flat=True):
        forget_host(domain)


def _lookup(hostname: str) -> dict[str, Any] | str:
    local = _local_routes.get(hostname)
    if local is not None:
        return local
    shared: dict[str, Any] | str | None = caches["platform"].get(routing_cache_key(hostname))
    if shared is None:
        row = Domain.objects.filter(domain=hostname).values(*(f"tenant__{field}" for field in _CHAIN_FIELDS)).first()
        shared = {key.removeprefix("tenant__"): value for key, value in row.items()} if row else _MISSING
        caches["platform"].set(routing_cache_key(hostname), shared, timeout=300 if shared == _MISSING else 3600)
    _local_routes.set(hostname, shared)
    return shared


def chain_for_host(hostname: str) -> Chain | None:
    """The chain a host names, built from the cached fields (no query), or None."""
    found = _lookup(hostname)
    if found == _MISSING:
        return None
    assert isinstance(found, dict)
    chain = new_instance(Chain, {}, **found)  # every request builds one: without the constructor's per-field work
    chain._state.adding = False
    chain._state.db = "default"
    return chain


class CachedTenantMiddleware(TenantMainMiddleware):
    def get_tenant(self, domain_model: type[Domain], hostname: str) -> Chain:  # type: ignore[override]  # our Domain
        chain = chain_for_host(hostname)
        if chain is None:
            raise domain_model.DoesNotExist(hostname)
        return chain
