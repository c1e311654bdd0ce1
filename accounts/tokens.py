"""JWTs that name their chain: a token issued on one chain's host is refused on every other."""

from __future__ import annotations

from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User

CHAIN_CLAIM = "chain"


def refresh_token_for(user: User, chain_id: int) -> RefreshToken:
    token = RefreshToken.for_user(user)
    token[CHAIN_CLAIM] = chain_id  # copied into every access token made from it, and kept through rotation
    return token
