"""Shapes of the API authentication endpoints: the token pair and the signed-in user in answers, and the login's
input (shape and validation only; accounts.sign_in decides)."""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

TokenPairOut = inline_serializer(
    "TokenPair",
    {"access": serializers.CharField(), "refresh": serializers.CharField(), "token_type": serializers.CharField()},
)

MeOut = inline_serializer(
    "Me",
    {
        "id": serializers.IntegerField(),
        "email": serializers.EmailField(),
        "full_name": serializers.CharField(),
        "chain": serializers.DictField(),
        "role": serializers.CharField(),
        "permissions": serializers.ListField(child=serializers.CharField()),
        "restaurants": serializers.ListField(child=serializers.DictField()),
    },
)


class AuthLoginInput(serializers.Serializer[None]):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False)
