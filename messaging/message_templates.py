"""The wording of the automatic messages per kind, language and channel: the built-in defaults (gettext strings,
read in the guest's language) and how one template becomes the content of one channel.

A chain's own MessageTemplate row replaces the default field by field: a field it left empty keeps the default.
The email's HTML fills values HTML-escaped; the SMS, the Telegram message and the email's text part take them as
they are (the bot sends plain text).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from messaging.models import Channel, MessageTemplate
from messaging.templating import render_text

# The per-channel fields of a template, in the order the page shows them.
TEMPLATE_FIELDS = ("email_subject", "email_html", "email_text", "sms_text", "telegram_text")
# Fields whose values are HTML-escaped when filled.
HTML_FIELDS = frozenset({"email_html"})

_WELCOME = _("Welcome to {{ chain }}, {{ first_name }}! Your card number is {{ card_number }}, you have {{ points }}.")
_RECEIPT = _("+{{ earned_points }} · −{{ spent_points }} points · balance {{ points }}")
_LEVEL = _("Congratulations! Your level is now {{ new_level }}.")
_BIRTHDAY = _("Happy birthday, {{ first_name }}! We have added {{ bonus_points }} points to your card.")
_EXPIRING = _("{{ expiring_points }} points expire after {{ expiry_date }}. Come and spend them!")
_REMINDER = _("{{ first_name }}, your {{ chain }} card is waiting for its first visit. You have {{ points }} points.")
_FIRST_VISIT = _("Thank you for your first visit to {{ chain }}, {{ first_name }}! Your balance: {{ points }} points.")
_WIN_BACK = _("We miss you, {{ first_name }}! It has been {{ days_away }} days. Your balance: {{ points }} points.")
_AT_RISK = _("{{ first_name }}, visit us within {{ days_left }} days to keep your {{ level }} level at {{ chain }}.")
_FEEDBACK = _("How was your visit, {{ first_name }}? Rate it here: {{ feedback_url }}")

# kind → field → default text (lazy: read in the language active when the message is made).
DEFAULT_TEMPLATES: dict[str, dict[str, Any]] = {
    "welcome": {
        "email_subject": _("Welcome to {{ chain }}"),
        "email_html": _(
            "<p>Welcome to {{ chain }}, {{ first_name }}!</p><p>Your card number is {{ card_number }}.</p>"
        ),
        "email_text": _WELCOME,
        "sms_text": _WELCOME,
        "telegram_text": _WELCOME,
    },
    "receipt": {
        "email_subject": _("Your points at {{ chain }}"),
        "email_html": _("<p>+{{ earned_points }} · −{{ spent_points }} points.</p><p>Balance: {{ points }}.</p>"),
        "email_text": _RECEIPT,
        "sms_text": _RECEIPT,
        "telegram_text": _RECEIPT,
    },
    "level_changed": {
        "email_subject": _("Your new level at {{ chain }}"),
        "email_html": _("<p>Congratulations! Your level is now <b>{{ new_level }}</b>.</p>"),
        "email_text": _LEVEL,
        "sms_text": _LEVEL,
        "telegram_text": _LEVEL,
    },
    "birthday": {
        "email_subject": _("Happy birthday from {{ chain }}"),
        "email_html": _("<p>Happy birthday, {{ first_name }}!</p><p>We have added {{ bonus_points }} points.</p>"),
        "email_text": _BIRTHDAY,
        "sms_text": _BIRTHDAY,
        "telegram_text": _BIRTHDAY,
    },
    "points_expiring": {
        "email_subject": _("Your points at {{ chain }} are about to expire"),
        "email_html": _(
            "<p>{{ expiring_points }} points expire after {{ expiry_date }}.</p><p>Come and spend them!</p>"
        ),
        "email_text": _EXPIRING,
        "sms_text": _EXPIRING,
        "telegram_text": _EXPIRING,
    },
    "feedback_request": {
        "email_subject": _("How was your visit to {{ chain }}?"),
        "email_html": _('<p>How was your visit, {{ first_name }}?</p><p><a href="{{ feedback_url }}">Rate it</a></p>'),
        "email_text": _FEEDBACK,
        "sms_text": _FEEDBACK,
        "telegram_text": _FEEDBACK,
    },
    "welcome_reminder": {
        "email_subject": _("Your card at {{ chain }} is waiting"),
        "email_html": _(
            "<p>{{ first_name }}, your card is waiting for its first visit.</p><p>Balance: {{ points }}.</p>"
        ),
        "email_text": _REMINDER,
        "sms_text": _REMINDER,
        "telegram_text": _REMINDER,
    },
    "first_visit": {
        "email_subject": _("Thank you for your first visit to {{ chain }}"),
        "email_html": _("<p>Thank you for your first visit, {{ first_name }}!</p><p>Balance: {{ points }}.</p>"),
        "email_text": _FIRST_VISIT,
        "sms_text": _FIRST_VISIT,
        "telegram_text": _FIRST_VISIT,
    },
    "win_back": {
        "email_subject": _("We miss you at {{ chain }}"),
        "email_html": _("<p>We miss you, {{ first_name }}!</p><p>Your balance: {{ points }} points.</p>"),
        "email_text": _WIN_BACK,
        "sms_text": _WIN_BACK,
        "telegram_text": _WIN_BACK,
    },
    "level_at_risk": {
        "email_subject": _("Keep your {{ level }} level at {{ chain }}"),
        "email_html": _("<p>Visit us within {{ days_left }} days to keep your <b>{{ level }}</b> level.</p>"),
        "email_text": _AT_RISK,
        "sms_text": _AT_RISK,
        "telegram_text": _AT_RISK,
    },
}


@dataclass(frozen=True)
class TemplateTexts:
    """One kind's wording in one language, every field filled (the chain's, else the default)."""

    kind: str
    language: str
    texts: dict[str, str]
    is_custom: bool  # the chain has written its own
    custom_fields: frozenset[str] = frozenset()  # the fields in the chain's own words (the others: default)


def default_texts(kind: str, language: str) -> dict[str, str]:
    with translation.override(language):
        return {field: str(text) for field, text in DEFAULT_TEMPLATES[kind].items()}


def texts_of(kind: str, language: str, row: MessageTemplate | None) -> TemplateTexts:
    texts = default_texts(kind, language)
    own = {field: getattr(row, field) for field in TEMPLATE_FIELDS if getattr(row, field)} if row is not None else {}
    texts.update(own)
    return TemplateTexts(
        kind=kind, language=language, texts=texts, is_custom=row is not None, custom_fields=frozenset(own)
    )


@dataclass(frozen=True)
class RenderedContent:
    text: str
    subject: str = ""
    html: str = ""


def render_for_channel(template: TemplateTexts, channel: str, context: Mapping[str, Any]) -> RenderedContent:
    """What the template says on `channel` with these values: the email's subject, HTML and text, else one text."""
    texts = template.texts
    if channel == Channel.EMAIL:
        return RenderedContent(
            text=render_text(texts["email_text"], context),
            subject=render_text(texts["email_subject"], context),
            html=render_text(texts["email_html"], context, html=True),
        )
    field = "sms_text" if channel == Channel.SMS else "telegram_text"
    return RenderedContent(text=render_text(texts[field], context))


def render_field(field: str, text: str, context: Mapping[str, Any]) -> str:
    """One field filled (the page's preview)."""
    return render_text(text, context, html=field in HTML_FIELDS)
