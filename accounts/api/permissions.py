"""The API's guard: the view names the permission it needs; the role map decides."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.permissions import BasePermission

from accounts.access import access_for

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class HasChainPermission(BasePermission):
    """DRF guard: the view names `required_permission` (or a dict per HTTP method)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        access = access_for(request)
        if access is None:
            return False
        required = getattr(view, "required_permission", None)
        if isinstance(required, dict):
            required = required.get(request.method or "GET")
        return required is None or access.can(required)
