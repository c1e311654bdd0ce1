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
