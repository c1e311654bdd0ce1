"""What a chain's slug may be (it becomes a host name label and a PostgreSQL schema name) and what its logo may be."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    {
        "www",
        "api",
        "admin",
        "public",
        "static",
        "media",
        "app",
        "apps",
        "mail",
        "email",
        "smtp",
        "ftp",
        "help",
        "support",
        "status",
        "docs",
        "blog",
        "billing",
        "pay",
        "payments",
        "auth",
        "login",
        "signup",
        "account",
        "accounts",
        "dashboard",
        "platform",
        "root",
        "system",
        "test",
        "demo-admin",
        "cdn",
        "assets",
        "telegram",
        "bot",
        "webhooks",
        "webhook",
        "internal",
        "staff",
        "information-schema",
    }
)


def validate_chain_slug(value: str) -> None:
    if not SLUG_PATTERN.match(value):
        raise ValidationError(
            _(
                "Use 3–40 lowercase Latin letters, digits and hyphens, starting with a letter and not ending with a hyphen."
            ),
            code="invalid_slug",
        )
    if value in RESERVED_SLUGS or value.startswith("pg-") or "--" in value:
        raise ValidationError(_("This address is reserved. Choose another one."), code="reserved_slug")


def schema_name_for(slug: str) -> str:
    return slug.replace("-", "_")


# A chain's logo: a raster image, recognised by its first bytes (the signature each format's specification fixes),
# not by its name or the browser's content type. SVG is refused whatever it is called: it may carry script.
LOGO_MAX_BYTES = 512 * 1024
_LOGO_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
)


def logo_format(head: bytes) -> str | None:
    """ "png", "jpg" or "webp" from a file's first 12 bytes; None for anything else (SVG, GIF, text, ...)."""
    for signature, extension in _LOGO_SIGNATURES:
        if head.startswith(signature):
            return extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


# The chain's loyalty card colours (Apple Wallet, Google Wallet, the settings page's preview): "#rrggbb".
HEX_COLOUR = re.compile(r"^#[0-9a-f]{6}$")
DEFAULT_CARD_BACKGROUND = "#202940"
DEFAULT_CARD_FOREGROUND = "#ffffff"
DEFAULT_CARD_LABEL = "#bec8dc"
# WCAG 2 contrast ratios: the card's values must be readable (normal text), its labels at least as large text.
MIN_TEXT_CONTRAST = 4.5
MIN_LABEL_CONTRAST = 3.0


def hex_rgb(value: str) -> tuple[int, int, int]:
    """(r, g, b) of a "#rrggbb" colour."""
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def _luminance(value: str) -> float:
    def channel(byte: int) -> float:
        c = byte / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(byte) for byte in hex_rgb(value))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2's contrast ratio of two "#rrggbb" colours, from 1 (the same) to 21 (black on white)."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
