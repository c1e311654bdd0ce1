"""Reads of the messaging app shared by the channel choice, the services and the pages."""

from __future__ import annotations

from typing import Any

from maxloyalty.encryption import decrypt_json
from messaging.errors import UnknownTemplate
from messaging.message_templates import TemplateTexts, texts_of
from messaging.models import MessageTemplate, MessagingSettings, TemplateKind, TemplateLanguage


def messaging_settings() -> MessagingSettings:
    """The chain's one settings row (created with the defaults on first read)."""
    row, _created = MessagingSettings.objects.get_or_create(pk=1)
    return row


def sms_credentials(row: MessagingSettings) -> dict[str, Any]:
    """The chain's SMS provider credentials, decrypted ({} when none are set)."""
    return decrypt_json(row.sms_credentials_encrypted) if row.sms_credentials_encrypted else {}


def message_template(*, kind: str, language: str) -> TemplateTexts:
    """The chain's wording of `kind` in `language` (its own where written, else the default); UnknownTemplate for a
    kind or language there is no template of."""
    if kind not in TemplateKind.values or language not in TemplateLanguage.values:
        raise UnknownTemplate()
    return texts_of(kind, language, MessageTemplate.objects.filter(kind=kind, language=language).first())


def template_language(language: str) -> str:
    """The template language of a guest's language (the chain's default language when there is none of theirs)."""
    code = (language or "").split("-")[0].lower()
    return code if code in TemplateLanguage.values else TemplateLanguage.RUSSIAN.value
