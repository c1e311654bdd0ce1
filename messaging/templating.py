"""The texts chains write for guests (message templates, campaign texts): `{{ variable }}` placeholders, checked when
saved and filled when sent. Nothing else of a template language: no tags, filters or attribute access, so a text
written by staff can never reach code or other data; a value is HTML-escaped in an HTML part.

check_text: the unknown variables of a text are a form error (ValidationFailed naming the field), never a blank in
a guest's inbox. render_text: fills a checked text. guest_context / sample_context: the values of one guest, or of a
sample guest for previews. A kind of message may offer more variables than the common ones (KIND_VARIABLES).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.functional import lazy
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from guests.models import Guest
from maxloyalty.errors import ValidationFailed
from wallet.selectors import add_to_wallet_url

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
TEMPLATE_SYNTAX = re.compile(r"\{\{|\}\}|\{%|%\}")

# Every message may use these.
COMMON_VARIABLES: dict[str, Any] = {
    "first_name": _("the guest's first name"),
    "last_name": _("the guest's last name"),
    "full_name": _("the guest's full name"),
    "points": _("points the guest can spend now"),
    "level": _("the guest's loyalty level"),
    "card_number": _("the guest's card number"),
    "chain": _("the chain's name"),
    "restaurant": _("the guest's home restaurant"),
    "wallet_url": _(
        "the link that adds the guest's card to Apple Wallet or Google Wallet (empty while neither is set up)"
    ),
}
# What a kind of message adds (its sender fills them).
KIND_VARIABLES: dict[str, dict[str, Any]] = {
    "receipt": {"earned_points": _("points earned on the check"), "spent_points": _("points spent on the check")},
    "level_changed": {"new_level": _("the new level"), "bonus_points": _("the automation's bonus")},
    "birthday": {"bonus_points": _("the birthday bonus")},
    "points_expiring": {"expiring_points": _("points about to expire"), "expiry_date": _("when they expire")},
    "campaign": {"bonus_points": _("bonus points of the campaign"), "promo_code": _("the campaign's promo code")},
    "feedback_request": {"feedback_url": _("the link to rate the visit")},
    # The automations' (automations.runners fills them; bonus_points is empty when the automation gives none)
    "welcome": {"bonus_points": _("the automation's bonus")},
    "welcome_reminder": {"bonus_points": _("the automation's bonus")},
    "first_visit": {"bonus_points": _("the automation's bonus")},
    "win_back": {"bonus_points": _("the automation's bonus"), "days_away": _("days since the last visit")},
    "level_at_risk": {"bonus_points": _("the automation's bonus"), "days_left": _("days left to keep the level")},
}
SAMPLE_VALUES: dict[str, str] = {
    "first_name": "Анна",
    "last_name": "Иванова",
    "full_name": "Анна Иванова",
    "points": "1 250",
    "level": "Gold",
    "card_number": "100200300",
    "restaurant": "Center",
    "earned_points": "120",
    "spent_points": "0",
    "new_level": "Gold",
    "bonus_points": "500",
    "expiring_points": "300",
    "expiry_date": "31.12.2026",
    "promo_code": "SPRING25",
    "feedback_url": "https://example.com/feedback/…",
    "wallet_url": "https://example.com/wallet/add/…",
    "days_away": "45",
    "days_left": "14",
}


def variables_of(kind: str) -> dict[str, Any]:
    """The variables a text of this kind may use, with what each holds."""
    return {**COMMON_VARIABLES, **KIND_VARIABLES.get(kind, {})}


def placeholders_in(text: str) -> list[str]:
    return [match.group(1) for match in PLACEHOLDER.finditer(text)]


def check_text(text: str, *, kind: str, field: str = "text") -> None:
    """ValidationFailed (422, `fields[field]`) when the text names a variable its kind does not offer, or holds
    template syntax other than `{{ variable }}`."""
    allowed = variables_of(kind)
    errors: list[str] = []
    unknown = sorted({name for name in placeholders_in(text) if name not in allowed})
    if unknown:
        errors.append(
            str(_("Unknown variables: %(names)s. Available: %(allowed)s."))
            % {"names": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))}
        )
    if TEMPLATE_SYNTAX.search(PLACEHOLDER.sub("", text)):
        errors.append(str(_("Write variables as {{ name }}; other braces are not allowed.")))
    if errors:
        raise ValidationFailed(fields={field: errors})


def check_texts(texts: Mapping[str, str], *, kind: str) -> None:
    """check_text for several fields at once, every field's errors together."""
    fields: dict[str, list[str]] = {}
    for field, text in texts.items():
        try:
            check_text(text, kind=kind, field=field)
        except ValidationFailed as error:
            fields.update(error.fields)
    if fields:
        raise ValidationFailed(fields=fields)


def render_text(text: str, context: Mapping[str, Any], *, html: bool = False) -> str:
    """The text with each placeholder replaced by its value (escaped in HTML); a variable without a value: empty."""

    def value(match: re.Match[str]) -> str:
        filled = context.get(match.group(1))
        shown = "" if filled is None else str(filled)
        return escape(shown) if html else shown

    return PLACEHOLDER.sub(value, text)


def points_text(points: int) -> str:
    """1540 → "1 540" (a narrow no-break space groups thousands, as Russian receipts do): every message shows
    points so (the bot's, the templates', the automations')."""
    return f"{points:,}".replace(",", "\u202f")


def guest_context(guest: Guest, *, chain_name: str = "", extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The common variables of one guest (the loyalty figures read from their account), plus `extra`."""
    from guests.selectors import loyalty_figures  # the guest's account, read when a message is made

    figures = loyalty_figures(guest) or {}
    level = figures.get("level") or {}
    home = guest.home_restaurant if guest.home_restaurant_id else None
    context: dict[str, Any] = {
        "first_name": guest.first_name,
        "last_name": guest.last_name,
        "full_name": " ".join(part for part in (guest.first_name, guest.last_name) if part),
        "points": points_text(int(figures.get("available") or 0)),
        "level": level.get("name", ""),
        "card_number": guest.card_number or "",
        "chain": chain_name,
        "restaurant": home.name if home is not None else "",
        # Signed only when a text uses it (a campaign to every guest pays nothing for it otherwise).
        "wallet_url": lazy(add_to_wallet_url, str)(guest),
    }
    context.update(extra or {})
    return context


def sample_context(kind: str, *, chain_name: str = "") -> dict[str, Any]:
    """Values of a sample guest for previews: every variable of the kind filled."""
    return {name: SAMPLE_VALUES.get(name, chain_name if name == "chain" else "…") for name in variables_of(kind)}
