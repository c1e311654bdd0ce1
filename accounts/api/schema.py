"""OpenAPI description of our authentication classes (drf-spectacular)."""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class ChainJWTScheme(SimpleJWTScheme):  # type: ignore[no-untyped-call]  # drf-spectacular registers untyped
    target_class = "accounts.authentication.ChainJWTAuthentication"
    name = "chainJWT"


class ChainSessionScheme(SessionScheme):  # type: ignore[no-untyped-call]  # drf-spectacular registers untyped
    target_class = "accounts.authentication.ChainSessionAuthentication"
    name = "chainSession"
