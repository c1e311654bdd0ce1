"""The PostgreSQL schema (and tenant) the default connection is set to: the chain a request or task works for, or
"public".

django-tenants keeps it on its database wrapper, which ships no types; this is the one typed door to it.
"""

from __future__ import annotations

from django.db import connection


def current_schema_name() -> str:
    name: str = connection.schema_name  # type: ignore[attr-defined]  # django-tenants' wrapper, not in Django's stubs
    return name


def current_tenant() -> object:
    """What django-tenants set the connection to: a tenant model instance (a chain) or its stand-in for a schema."""
    tenant: object = connection.tenant  # type: ignore[attr-defined]  # django-tenants' wrapper, not in Django's stubs
    return tenant
