"""What the Mini App's API accepts (shape and validation only; the services decide the rest)."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers


class MiniAppProfileInput(serializers.Serializer[None]):
    first_name = serializers.CharField(max_length=100, required=False)
    language = serializers.ChoiceField(choices=[code for code, _name in settings.LANGUAGES], required=False)
    notifications_enabled = serializers.BooleanField(required=False)
    marketing_consent = serializers.BooleanField(required=False)


class MiniAppReceiptClaimInput(serializers.Serializer[None]):
    qr = serializers.CharField(max_length=300, trim_whitespace=True)
