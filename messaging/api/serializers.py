"""Shapes of the message templates API: one kind's wording in one language, per channel."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class MessageTemplateInput(serializers.Serializer[Any]):
    email_subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email_html = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    email_text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    sms_text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    telegram_text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class MessageTemplateOut(serializers.Serializer[Any]):
    kind = serializers.CharField()
    language = serializers.CharField()
    is_custom = serializers.BooleanField()
    email_subject = serializers.CharField()
    email_html = serializers.CharField()
    email_text = serializers.CharField()
    sms_text = serializers.CharField()
    telegram_text = serializers.CharField()
    variables = serializers.ListField(child=serializers.CharField())
