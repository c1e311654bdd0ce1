"""Reads about chains."""

from __future__ import annotations

from dataclasses import dataclass

import segno
from django.db.models import QuerySet
from django.urls import reverse

from tenants.models import Chain, ChainStatus

PREVIEW_QR_TEXT = "MAX-LOYALTY-CARD-PREVIEW"


def served_chains() -> QuerySet[Chain]:
    """Chains whose scheduled work still runs (a suspended chain keeps earning points; a closed one does not)."""
    return Chain.objects.exclude(schema_name="public").exclude(status=ChainStatus.CLOSED).order_by("id")


@dataclass(frozen=True)
class CardPreview:
    """What the settings page's mock of the wallet card draws (an inline SVG: the colours are attributes, which
    the pages' CSP allows, not inline styles)."""

    name: str
    logo_url: str
    background: str
    foreground: str
    label: str
    qr_data_uri: str  # a sample QR (an SVG data URI, as the Mini App shows the guest's), drawn where the till's QR sits
    qr_size: int  # its width and height in the card's units


def card_preview(chain: Chain) -> CardPreview:
    qr = segno.make(PREVIEW_QR_TEXT, error="m")
    width, _height = qr.symbol_size(scale=3, border=2)
    return CardPreview(
        name=chain.name,
        logo_url=reverse("chain-logo", kwargs={"file_name": chain.logo_file_name}) if chain.logo else "",
        background=chain.card_background,
        foreground=chain.card_foreground,
        label=chain.card_label,
        qr_data_uri=qr.svg_data_uri(scale=3, border=2, dark="#000000", light="#ffffff"),
        qr_size=int(width),
    )
