"""Writes of the wallet: issuing a guest's card, the PassKit device registrations, and the round of updates that
follows a change of balance or level (Apple: an empty APNs push per device; Google: the loyalty object's PATCH)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from guests.models import Guest
from wallet.models import WalletCard
from wallet.selectors import card_facts


def issue_card(*, guest: Guest, platform: str) -> WalletCard:
    """The guest's card on that platform, made on first use with what it shows now."""
    card = WalletCard.objects.filter(guest=guest, platform=platform).first()
    if card is not None:
        return card
    facts = card_facts(guest)
    try:
        with transaction.atomic():
            return WalletCard.objects.create(
                guest=guest, platform=platform, shown_points=facts.points, shown_level=facts.level_name
            )
    except IntegrityError:  # a second request made it meanwhile
        return WalletCard.objects.get(guest=guest, platform=platform)
