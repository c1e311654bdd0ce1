"""Wallet follows the loyalty events (after commit): every guest whose points or level moved may have a card to
update (wallet.services.note_balances_changed marks it and queues one coalesced round). An erased guest's cards
and the devices' push tokens go with them, inside the erasing transaction. A change of the chain's name, logo or card
colours redraws every card of the chain."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from guests.events import guest_erased
from loyalty.events import checks_applied, level_changed, points_changed, points_granted
from tenants.events import chain_branding_changed
from wallet.services import forget_cards_of_guest, note_balances_changed, note_branding_changed


@receiver(checks_applied, dispatch_uid="wallet-after-checks")
def update_cards_after_checks(sender: Any, applied: list[tuple[Any, Any]], **_kwargs: Any) -> None:
    note_balances_changed(guest_ids=[guest.pk for guest, _outcome in applied])


@receiver(points_granted, dispatch_uid="wallet-after-grants")
@receiver(points_changed, dispatch_uid="wallet-after-points-changes")
def update_cards_after_points(sender: Any, entries: list[Any], **_kwargs: Any) -> None:
    note_balances_changed(guest_ids=[entry.guest_id for entry in entries])


@receiver(level_changed, dispatch_uid="wallet-after-level-changes")
def update_cards_after_levels(sender: Any, changes: list[Any], **_kwargs: Any) -> None:
    note_balances_changed(guest_ids=[change.guest_id for change in changes])


@receiver(guest_erased, dispatch_uid="wallet-forget-erased-guest")
def forget_erased_guests_cards(sender: Any, guest: Any, **_kwargs: Any) -> None:
    forget_cards_of_guest(guest_id=guest.pk)


@receiver(chain_branding_changed, dispatch_uid="wallet-after-branding-changes")
def redraw_cards_after_branding(sender: Any, chain: Any, **_kwargs: Any) -> None:
    note_branding_changed(chain=chain)
