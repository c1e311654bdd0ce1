"""API authentication: login, refresh with rotation, logout, me. Refresh tokens travel in a header or cookie."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.access import access_for, resolve_access
from accounts.api.serializers import AuthLoginInput, MeOut, TokenPairOut
from accounts.errors import OnChainHostOnly, RefreshTokenInvalid, RefreshTokenMissing
from accounts.models import User
from accounts.sign_in import sign_in_for_api
from accounts.tokens import CHAIN_CLAIM
from maxloyalty.api import validated
from maxloyalty.client_ip import client_ip
from restaurants.models import Restaurant

REFRESH_HEADER = "X-Refresh-Token"


def _set_refresh_cookie(response: Response, refresh: str) -> None:
    response.set_cookie(
        settings.REFRESH_COOKIE_NAME,
        refresh,
        max_age=int(settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"].total_seconds()),
        httponly=True,
        secure=settings.REFRESH_COOKIE_SECURE,
        samesite="Strict",
        path="/api/v1/auth/",
    )


def _raw_refresh_token(request: Request) -> str:
    raw = request.headers.get(REFRESH_HEADER) or request.COOKIES.get(settings.REFRESH_COOKIE_NAME)
    if not raw and isinstance(request.data, dict):
        raw = request.data.get("refresh")
    if not raw:
        raise RefreshTokenMissing
    return str(raw)


def _chain_of_host(request: Request) -> Any:
    tenant = getattr(request._request, "tenant", None)
    if tenant is None or tenant.schema_name == "public":
        raise OnChainHostOnly
    return tenant


class AuthLoginApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(request=AuthLoginInput, responses={200: TokenPairOut}, summary="Sign in: email + password → tokens")
    def post(self, request: Request) -> Response:
        chain = _chain_of_host(request)
        data = validated(AuthLoginInput, request.data)
        refresh = sign_in_for_api(
            email=data["email"], password=data["password"], client_address=client_ip(request), chain=chain
        )
        response = Response({"access": str(refresh.access_token), "refresh": str(refresh), "token_type": "Bearer"})
        _set_refresh_cookie(response, str(refresh))
        return response


class AuthRefreshApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter(REFRESH_HEADER, location=OpenApiParameter.HEADER, required=False)],
        responses={200: TokenPairOut},
        summary="New access token (and a rotated refresh token) from a refresh token",
    )
    def post(self, request: Request) -> Response:
        chain = _chain_of_host(request)
        raw = _raw_refresh_token(request)
        try:
            current = RefreshToken(raw)  # type: ignore[arg-type]  # the encoded token, as simplejwt takes it
        except TokenError as error:
            raise RefreshTokenInvalid from error
        user = User.objects.filter(pk=current.get("user_id")).first()
        if current.get(CHAIN_CLAIM) != chain.id or user is None or resolve_access(user, chain.id) is None:
            raise RefreshTokenInvalid
        serializer = TokenRefreshSerializer(data={"refresh": raw})
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as error:
            raise RefreshTokenInvalid from error
        except serializers.ValidationError as error:
            raise RefreshTokenInvalid from error
        tokens = serializer.validated_data
        response = Response({"access": tokens["access"], "refresh": tokens["refresh"], "token_type": "Bearer"})
        _set_refresh_cookie(response, tokens["refresh"])
        return response


class AuthLogoutApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={204: None}, summary="Revoke the refresh token and clear its cookie")
    def post(self, request: Request) -> Response:
        _chain_of_host(request)
        raw = _raw_refresh_token(request)
        try:
            RefreshToken(raw).blacklist()  # type: ignore[arg-type]  # the encoded token, as simplejwt takes it
        except TokenError as error:
            raise RefreshTokenInvalid from error
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response.delete_cookie(settings.REFRESH_COOKIE_NAME, path="/api/v1/auth/", samesite="Strict")
        return response


class AuthMeApi(APIView):
    @extend_schema(
        responses={200: MeOut},
        summary="The signed-in user, their chain, role, permissions and restaurants",
    )
    def get(self, request: Request) -> Response:
        access = access_for(request)
        assert access is not None  # IsAuthenticated + ChainJWTAuthentication guarantee it
        chain = request._request.tenant  # type: ignore[attr-defined]  # django-tenants' middleware sets it
        restaurants = access.limit_to_restaurants(Restaurant.objects.all(), field="id").values("id", "name")
        return Response(
            {
                "id": access.user.pk,
                "email": access.user.email,
                "full_name": access.user.full_name,
                "chain": {
                    "id": chain.id,
                    "slug": chain.slug,
                    "name": chain.name,
                    "time_zone": chain.time_zone,
                    "currency": chain.currency,
                },
                "role": access.role,
                "permissions": sorted(str(permission) for permission in access.permissions),
                "restaurants": list(restaurants),
            }
        )
