"""What the signed-in user may do in the chain being served: resolved once per request, checked everywhere.

Pages use @permission_required_page, the API uses accounts.api.permissions; both read accounts.roles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from guardian.models import UserObjectPermission

from accounts.models import Membership, Role, User
from accounts.roles import RESTAURANT_SCOPED_ROLES, ROLE_PERMISSIONS, Permission
from maxloyalty.current_schema import current_schema_name

if TYPE_CHECKING:
    from rest_framework.request import Request


@dataclass(frozen=True)
class ChainAccess:
    user: User
    membership: Membership
    restaurant_ids: frozenset[int] | None  # None: every restaurant of the chain

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def permissions(self) -> frozenset[Permission]:
        return ROLE_PERMISSIONS.get(self.role, frozenset())

    def can(self, permission: Permission, restaurant_id: int | None = None) -> bool:
        if permission not in self.permissions:
            return False
        return restaurant_id is None or self.covers_restaurant(restaurant_id)

    def covers_restaurant(self, restaurant_id: int | None) -> bool:
        return self.restaurant_ids is None or restaurant_id in self.restaurant_ids

    def require(self, permission: Permission, restaurant_id: int | None = None) -> None:
        if not self.can(permission, restaurant_id):
            raise PermissionDenied

    def limit_to_restaurants(self, queryset: QuerySet[Any], field: str = "restaurant") -> QuerySet[Any]:
        """Rows of the user's restaurants only (managers and cashiers); everything for owners and admins."""
        if self.restaurant_ids is None:
            return queryset
        return queryset.filter(**{f"{field}__in": self.restaurant_ids})


def assigned_restaurant_ids(user: User) -> frozenset[int]:
    ids: Iterable[str] = UserObjectPermission.objects.filter(
        user=user,
        permission__codename="work_at_restaurant",
        content_type__app_label="restaurants",
        content_type__model="restaurant",
    ).values_list("object_pk", flat=True)
    return frozenset(int(pk) for pk in ids)


def resolve_access(user: User, chain_id: int) -> ChainAccess | None:
    """The user's access in the chain whose schema is active, or None when they have no active membership."""
    if not user.is_active:
        return None
    membership = Membership.objects.filter(user=user, chain_id=chain_id, is_active=True).first()
    if membership is None:
        return None
    scoped = membership.role in RESTAURANT_SCOPED_ROLES
    return ChainAccess(
        user=user, membership=membership, restaurant_ids=assigned_restaurant_ids(user) if scoped else None
    )


def access_for(request: HttpRequest | Request) -> ChainAccess | None:
    """Memoised on the request: the signed-in user's access in the current chain."""
    django_request: HttpRequest = getattr(request, "_request", request)
    if hasattr(django_request, "_chain_access"):
        return django_request._chain_access  # type: ignore[no-any-return]  # set below, on the request itself
    user = getattr(request, "user", None)
    tenant = getattr(django_request, "tenant", None)
    access = None
    if user is not None and user.is_authenticated and tenant is not None and current_schema_name() != "public":
        access = resolve_access(user, tenant.id)
    django_request._chain_access = access  # type: ignore[attr-defined]  # memo kept on the request
    return access


def remember_access(request: HttpRequest | Request, access: ChainAccess | None) -> None:
    django_request: HttpRequest = getattr(request, "_request", request)
    django_request._chain_access = access  # type: ignore[attr-defined]  # the memo access_for reads


def forget_access(request: HttpRequest | Request) -> None:
    """After signing in or out: the next access_for resolves again."""
    getattr(request, "_request", request).__dict__.pop("_chain_access", None)


def permission_required_page(permission: Permission | None = None) -> Callable[..., Any]:
    """Page guard: sign-in first, then the role map; a member without the permission gets the 403 page."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            access = access_for(request)
            if access is None or (permission is not None and not access.can(permission)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def home_path_for(access: ChainAccess | None) -> str:
    """Where a member lands after signing in: cashiers go straight to the till."""
    if access is not None and access.role == Role.CASHIER:
        return "/cashier/"
    return "/dashboard/"
