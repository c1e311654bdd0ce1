"""Reads of the wallet: what a card shows (`card_facts`, the one source for Apple and Google) and the lookups of
the PassKit web service."""

from __future__ import annotations

import datetime
import hmac
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Count
from django.utils import translation

from guests.models import Guest, GuestStatus
from loyalty.selectors import current_chain, guest_balance
from maxloyalty.current_schema import current_schema_name
from tenants.validators import hex_rgb
from wallet.adapters import google
from wallet.apple_pass import PassContent, build_pkpass, signer_from_settings
from wallet.configuration import apple_configured, google_configured
from wallet.errors import WalletLinkExpired, WalletLinkInvalid
from wallet.links import LinkExpired, add_url, guest_of_token
from wallet.models import AppleDeviceRegistration, WalletCard, WalletPlatform

APPLE_WEB_SERVICE_PATH = "/wallet/apple"  # + Apple's "/v1/..." (wallet.urls)


@dataclass(frozen=True)
class CardFacts:
    chain_name: str
    chain_slug: str
    logo_png: bytes | None  # the chain's logo when it is a PNG; else the pass draws a plain one
    background_color: str  # CSS rgb(), as PassKit wants them
    foreground_color: str
    label_color: str
    background_rgb: tuple[int, int, int]
    background_hex: str  # "#rrggbb", as Google wants it
    guest_name: str
    level_name: str
    points: int
    # Exactly what the till's search takes first (pos.till.find_at_till: {"qr": text}), as the bot's QR shows it.
    qr_value: str
    card_number: str


def _logo_png(name: str) -> bytes | None:
    if not name or not name.lower().endswith(".png"):
        return None
    try:
        with default_storage.open(name, "rb") as stored:
            data: bytes = stored.read()
    except OSError:
        return None
    return data if data.startswith(b"\x89PNG") else None


def _css_rgb(hex_colour: str) -> str:
    return "rgb({}, {}, {})".format(*hex_rgb(hex_colour))


def card_facts(guest: Guest, *, with_logo: bool = True) -> CardFacts:
    """What the guest's wallet card shows: the chain, its logo and card colours, the guest's level, balance and
    till QR.
    `with_logo=False` skips reading the logo from the chain's files (a round of updates compares figures only)."""
    chain = current_chain()
    balance = guest_balance(guest=guest)
    return CardFacts(
        chain_name=chain.name,
        chain_slug=chain.slug,
        logo_png=_logo_png(chain.logo) if with_logo else None,
        background_color=_css_rgb(chain.card_background),
        foreground_color=_css_rgb(chain.card_foreground),
        label_color=_css_rgb(chain.card_label),
        background_rgb=hex_rgb(chain.card_background),
        background_hex=chain.card_background,
        guest_name=f"{guest.first_name} {guest.last_name}".strip(),
        level_name=balance.level.name if balance.level else "",
        points=balance.available,
        qr_value=guest.qr_token,
        card_number=guest.card_number or "",
    )


def card_of_guest(guest: Guest, platform: str) -> WalletCard | None:
    return WalletCard.objects.filter(guest=guest, platform=platform).first()


def card_for_device(*, serial: str, authorization: str) -> WalletCard | None:
    """The Apple card with that serial when `authorization` is its "ApplePass <token>" (compared in constant
    time); None for an unknown serial or a wrong token alike."""
    card = WalletCard.objects.select_related("guest").filter(serial=serial, platform=WalletPlatform.APPLE).first()
    scheme, _, token = authorization.partition(" ")
    if card is None or scheme != "ApplePass":
        return None
    if not hmac.compare_digest(token.strip().encode(), card.authentication_token.encode()):
        return None
    return card


def serials_updated_since(*, device_library_id: str, since: datetime.datetime | None) -> list[WalletCard]:
    """The Apple cards registered on the device, changed after `since` (all of them without it)."""
    cards = WalletCard.objects.filter(devices__device_library_id=device_library_id, platform=WalletPlatform.APPLE)
    if since is not None:
        cards = cards.filter(changed_at__gt=since)
    return list(cards.order_by("id"))


def push_tokens_of(card_ids: list[int]) -> list[AppleDeviceRegistration]:
    return list(AppleDeviceRegistration.objects.filter(card_id__in=card_ids).select_related("card").order_by("id"))


def wallet_cards_of_guest(guest: Guest) -> list[WalletCard]:
    """The guest's wallet cards for the staff's guest page, each with `device_count` (Apple devices registered)."""
    return list(WalletCard.objects.filter(guest=guest).annotate(device_count=Count("devices")).order_by("platform"))


def wallet_summary_of_guest(guest: Guest) -> dict[str, Any]:
    """The guest API's `wallet`: the platforms the guest keeps the card on, the Apple devices registered for its
    updates, and when what a card shows last changed (None without a card)."""
    cards = wallet_cards_of_guest(guest)
    return {
        "platforms": [card.platform for card in cards],
        "devices": sum(card.device_count for card in cards),  # type: ignore[attr-defined]  # annotated
        "last_updated_at": max((card.changed_at for card in cards), default=None),
    }


def apple_pass_of_card(card: WalletCard) -> bytes:
    """The card's current signed .pkpass (what a device fetches after a push, and the first download)."""
    facts = card_facts(card.guest)
    content = PassContent(
        serial=card.serial,
        authentication_token=card.authentication_token,
        web_service_url=f"{current_chain().base_url}{APPLE_WEB_SERVICE_PATH}",
        chain_name=facts.chain_name,
        logo_png=facts.logo_png,
        background_color=facts.background_color,
        foreground_color=facts.foreground_color,
        label_color=facts.label_color,
        background_rgb=facts.background_rgb,
        guest_name=facts.guest_name,
        level_name=facts.level_name,
        points=facts.points,
        qr_value=facts.qr_value,
        card_number=facts.card_number,
    )
    with translation.override(card.guest.language or None):  # the labels in the guest's language, whoever asks
        return build_pkpass(content, signer_from_settings())


def google_object_of_card(card: WalletCard, facts: CardFacts | None = None) -> dict[str, Any]:
    facts = facts or card_facts(card.guest, with_logo=False)
    with translation.override(card.guest.language or None):
        return google.loyalty_object(
            chain_slug=facts.chain_slug,
            serial=card.serial,
            guest_name=facts.guest_name,
            level_name=facts.level_name,
            points=facts.points,
            qr_value=facts.qr_value,
            card_number=facts.card_number,
            background_hex=facts.background_hex,
        )


def google_class_of_chain(facts: CardFacts | None = None) -> dict[str, Any]:
    """The chain's loyaltyClass document (its name, logo and background colour), in the active language."""
    chain = current_chain()
    return google.loyalty_class(
        chain_slug=chain.slug,
        chain_name=chain.name,
        background_hex=facts.background_hex if facts else chain.card_background,
        logo_url=chain.logo_url,
    )


def google_save_url_of_card(card: WalletCard) -> str:
    """The card's "Save to Google Wallet" address (its class and object inside the signed JWT)."""
    facts = card_facts(card.guest, with_logo=False)  # Google fetches the logo from its public address
    chain = current_chain()
    with translation.override(card.guest.language or None):
        document = google_class_of_chain(facts)
    return google.save_url(
        loyalty_class_document=document,
        loyalty_object_document=google_object_of_card(card, facts),
        origin=chain.base_url,
    )


def guest_of_link(token: str) -> Guest:
    """The active guest an "add to wallet" link of this chain names; WalletLinkInvalid (404) for a forged,
    foreign or unknown one, WalletLinkExpired (410) for an old one."""
    try:
        guest_id = guest_of_token(token, schema_name=current_schema_name())
    except LinkExpired:
        raise WalletLinkExpired() from None
    if guest_id is None:
        raise WalletLinkInvalid()
    guest = Guest.objects.filter(pk=guest_id, status=GuestStatus.ACTIVE, erased_at__isnull=True).first()
    if guest is None:
        raise WalletLinkInvalid()
    return guest


def add_to_wallet_url(guest: Guest) -> str:
    """The guest's signed "add to wallet" page (bot, Mini App, email); "" while no wallet is configured."""
    if not (apple_configured() or google_configured()):
        return ""
    chain = current_chain()
    return add_url(base_url=chain.base_url, guest_id=guest.pk, schema_name=chain.schema_name)
