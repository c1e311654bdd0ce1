"""Reads of the messaging app shared by the channel choice, the services and the pages."""

from __future__ import annotations

from typing import Any

from guests.models import Guest
from maxloyalty.current_schema import current_schema_name
from maxloyalty.encryption import decrypt_json
from messaging.errors import UnknownTemplate
from messaging.message_templates import TemplateTexts, render_for_channel, texts_of
from messaging.models import Channel, MessageTemplate, MessagingSettings, TemplateKind, TemplateLanguage
from messaging.templating import guest_context
from tenants.models import Chain


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


def chain_name() -> str:
    chain = Chain.objects.filter(schema_name=current_schema_name()).only("name").first()
    return chain.name if chain is not None else ""


def own_telegram_text(*, guest: Guest, kind: str, extra_context: dict[str, Any]) -> str | None:
    """The chain's own Telegram wording of `kind` in the guest's language, filled for the guest; None when the chain
    wrote none (the bot then sends its built-in text, with its plural forms)."""
    if kind not in TemplateKind.values:
        return None
    template = message_template(kind=kind, language=template_language(guest.language))
    if "telegram_text" not in template.custom_fields:
        return None
    context = guest_context(guest, chain_name=chain_name(), extra=extra_context)
    return render_for_channel(template, Channel.TELEGRAM, context).text
