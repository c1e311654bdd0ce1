"""API authentication: Bearer JWT checked against the chain of the host, plus the browser session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework_simplejwt.authentication import JWTAuthentication

from accounts.access import access_for, remember_access, resolve_access
from accounts.models import User
from accounts.tokens import CHAIN_CLAIM
from maxloyalty.authorization import bearer_token

if TYPE_CHECKING:
    from rest_framework.request import Request


class WrongChainToken(exceptions.AuthenticationFailed):
    default_detail = _("This token was issued for another chain.")
    default_code = "token_wrong_chain"


class NotAMember(exceptions.AuthenticationFailed):
    default_detail = _("You have no access to this chain.")
    default_code = "not_a_member"


class ChainJWTAuthentication(JWTAuthentication):
    def get_raw_token(self, header: bytes) -> bytes | None:
        """The token of `Authorization: Bearer <token>` as maxloyalty.authorization reads it (the plan gate too)."""
        token = bearer_token(header)
        return token.encode("ascii") if token else None

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        assert isinstance(user, User)  # AUTH_USER_MODEL
        tenant = getattr(request._request, "tenant", None)
        if tenant is None or tenant.schema_name == "public" or token.get(CHAIN_CLAIM) != tenant.id:
            raise WrongChainToken
        access = resolve_access(user, tenant.id)
        if access is None:
            raise NotAMember
        remember_access(request, access)
        return user, token


class ChainSessionAuthentication(SessionAuthentication):
    """The browser's session (htmx calls from our pages). Non-members were signed out by the middleware."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None and access_for(request) is None:
            return None
        return result
