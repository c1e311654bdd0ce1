"""Template context for every page: the chain being served and what the signed-in user may do there."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.access import access_for
from accounts.roles import Permission


def chain_context(request: HttpRequest) -> dict[str, Any]:
    tenant = getattr(request, "tenant", None)
    on_chain = tenant is not None and tenant.schema_name != "public"
    access = access_for(request) if on_chain else None
    allowed = access.permissions if access is not None else frozenset()
    return {
        "chain": tenant if on_chain else None,
        "access": access,
        "can": {permission.name.lower(): permission in allowed for permission in Permission},
    }
