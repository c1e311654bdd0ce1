"""Writes of the wallet: issuing a guest's card, the PassKit device registrations, and the round of updates that
follows a change of balance or level (Apple: an empty APNs push per device; Google: the loyalty object's PATCH).

A burst of checks makes one round: the first change of a chain marks its guests' cards and queues the round
WALLET_PUSH_DELAY_SECONDS later (a cache flag says one is queued); later changes only mark cards, and the round
takes every marked card at once. A card is pushed only when its balance or level really differs from what it
last showed.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.models import User
from audit.services import record_audit
from guests.models import Guest, GuestStatus
from maxloyalty.current_schema import current_schema_name
from maxloyalty.task_queue import enqueue
from messaging.models import Message
from messaging.services import send_to_guest
from tenants.models import Chain
from wallet.adapters import apns, google
from wallet.configuration import apple_configured, google_configured
from wallet.errors import WalletGuestNotActive, WalletLinkSentRecently, WalletNotConfigured
from wallet.models import AppleDeviceRegistration, WalletCard, WalletPlatform
from wallet.selectors import add_to_wallet_url, card_facts, google_class_of_chain, google_object_of_card, push_tokens_of

logger = logging.getLogger(__name__)

UPDATE_TASK = "wallet.tasks.update_wallet_cards"
LINK_MESSAGE_KIND = "wallet_link"
CLASS_TASK = "wallet.tasks.update_wallet_class"


def issue_card(*, guest: Guest, platform: str) -> WalletCard:
    """The guest's card on that platform, made on first use with what it shows now."""
    card = WalletCard.objects.filter(guest=guest, platform=platform).first()
    if card is not None:
        return card
    facts = card_facts(guest, with_logo=False)
    try:
        with transaction.atomic():
            return WalletCard.objects.create(
                guest=guest, platform=platform, shown_points=facts.points, shown_level=facts.level_name
            )
    except IntegrityError:  # a second request made it meanwhile
        return WalletCard.objects.get(guest=guest, platform=platform)


@transaction.atomic
def send_add_to_wallet_link(*, guest: Guest, actor: User, now: datetime.datetime | None = None) -> Message:
    """A staff member sends the guest the signed "add to wallet" link, through the channel messaging chooses for
    a service message (not marketing: no marketing consent needed, no frequency cap); audited. One message per
    guest and minute: a second send in that minute is refused (WalletLinkSentRecently, 429), so a double click
    sends once. WalletNotConfigured when no wallet is set up."""
    if guest.status != GuestStatus.ACTIVE or guest.erased_at is not None:
        raise WalletGuestNotActive()
    url = add_to_wallet_url(guest)
    if not url:
        raise WalletNotConfigured()
    now = now or timezone.now()
    dedupe_key = f"wallet-link:{guest.pk}:{now:%Y%m%d%H%M}"
    if Message.objects.filter(dedupe_key=dedupe_key).exists():
        raise WalletLinkSentRecently()
    with translation.override(guest.language or None):
        text = _(
            "Keep your loyalty card in your phone's wallet: it shows your points and the QR code for the till. %(url)s"
        ) % {"url": url}
        subject = _("Your loyalty card for the phone's wallet")
    message = send_to_guest(
        guest=guest,
        kind=LINK_MESSAGE_KIND,
        dedupe_key=dedupe_key,
        text=text,
        subject=subject,
        is_marketing=False,
        now=now,
    )
    record_audit(
        action="wallet.link_sent",
        actor=actor,
        target=guest,
        data={"message_id": message.pk, "channel": message.channel, "status": message.status},
    )
    return message


def register_device(*, card: WalletCard, device_library_id: str, push_token: str) -> bool:
    """The device asked for the card's updates; True when it is new (PassKit: 201), False when known (200)."""
    _registration, created = AppleDeviceRegistration.objects.update_or_create(
        card=card, device_library_id=device_library_id, defaults={"push_token": push_token}
    )
    return created


def unregister_device(*, card: WalletCard, device_library_id: str) -> None:
    AppleDeviceRegistration.objects.filter(card=card, device_library_id=device_library_id).delete()


def forget_cards_of_guest(*, guest_id: int) -> int:
    """An erased guest's cards and their devices' push tokens (personal data): removed; a phone asking for the
    pass afterwards is refused (401). Returns how many cards went."""
    _total, per_model = WalletCard.objects.filter(guest_id=guest_id).delete()
    return per_model.get(WalletCard._meta.label, 0)


def round_key() -> str:
    return f"wallet:round-queued:{current_schema_name()}"


def note_balances_changed(*, guest_ids: Iterable[int]) -> int:
    """After commit of a check or points change: mark those guests' cards, and queue a round unless one is queued.
    Returns how many cards were marked (none, and no Redis call, when no wallet is configured)."""
    ids = sorted(set(guest_ids))
    if not ids or not (apple_configured() or google_configured()):
        return 0
    marked = WalletCard.objects.filter(guest_id__in=ids, needs_update=False).update(needs_update=True)
    if marked:
        _queue_round()
    return marked


def _queue_round() -> None:
    """One update round WALLET_PUSH_DELAY_SECONDS from now, unless one is queued already (a burst: one round)."""
    if cache.add(round_key(), 1, timeout=int(settings.WALLET_PUSH_DELAY_SECONDS) + 60):
        enqueue(UPDATE_TASK, countdown=settings.WALLET_PUSH_DELAY_SECONDS)


def note_branding_changed(*, chain: Chain) -> int:
    """After commit of a change of the chain's name, logo or card colours: every card of the chain is redrawn.
    Its Google loyalty class is updated (wallet.tasks.update_wallet_class), and every card is marked with its
    shown figures forgotten, so the next round (queued unless one is) counts it changed: Apple devices are pushed
    and fetch the new pass, Google objects are updated. Returns how many cards were marked."""
    if not (apple_configured() or google_configured()):
        return 0
    with schema_context(chain.schema_name):
        if google_configured():
            enqueue(CLASS_TASK)
        marked = WalletCard.objects.update(needs_update=True, shown_points=None)
        if marked:
            _queue_round()
    return marked


def update_google_class() -> bool:
    """Send the chain's loyalty class as it is now to Google (every saved Google card shows its name, logo and
    colour); False when Google was not reached or refused (the task tries again)."""
    if not google_configured():
        return True
    return google.update_loyalty_class(google_class_of_chain())


def next_changed_at(previous: datetime.datetime, now: datetime.datetime) -> datetime.datetime:
    """When a card's new content counts as changed: now, but never within the whole second of its previous
    change. Last-Modified has one-second resolution: a device that fetched the previous content in that second
    holds If-Modified-Since of that second and must not be answered 304 for the new one."""
    next_second = previous.replace(microsecond=0) + datetime.timedelta(seconds=1)
    return max(now, next_second)


@dataclass(frozen=True)
class UpdateRound:
    cards_changed: int
    pushes_delivered: int
    devices_gone: int
    google_objects_updated: int
    cards_failed: int  # marked again: the task retries the round later (wallet.tasks)


def update_changed_cards(*, now: datetime.datetime | None = None) -> UpdateRound:
    """One round: every marked card whose balance or level differs from what it showed gets its new content
    (changed_at moves, so devices fetch it), then its Apple devices are pushed and its Google object updated.
    A device APNs answers 410 for is unregistered. The network calls come after the cards are committed; a card
    whose push or update failed (APNs or Google unreachable, refusing) is marked again for the next round."""
    cache.delete(round_key())  # a change from now on queues the next round
    now = now or timezone.now()
    changed: list[WalletCard] = []
    google_documents = {}
    with transaction.atomic():
        due = list(
            WalletCard.objects.select_for_update(skip_locked=True).filter(needs_update=True).select_related("guest")
        )
        for card in due:
            facts = card_facts(card.guest, with_logo=False)
            card.needs_update = False
            if (facts.points, facts.level_name) != (card.shown_points, card.shown_level):
                card.shown_points, card.shown_level = facts.points, facts.level_name
                card.changed_at = next_changed_at(card.changed_at, now)
                changed.append(card)
                if card.platform == WalletPlatform.GOOGLE:
                    google_documents[card.pk] = google_object_of_card(card, facts)
        WalletCard.objects.bulk_update(due, ["needs_update", "shown_points", "shown_level", "changed_at", "updated_at"])
    failed_ids: set[int] = set()
    delivered = gone = 0
    apple_ids = [card.pk for card in changed if card.platform == WalletPlatform.APPLE]
    if apple_ids and apple_configured():
        registrations = push_tokens_of(apple_ids)
        result = apns.push_pass_updates(sorted({registration.push_token for registration in registrations}))
        delivered, gone = len(result.delivered), len(result.gone)
        if result.gone:
            AppleDeviceRegistration.objects.filter(card_id__in=apple_ids, push_token__in=result.gone).delete()
        failed_ids |= {
            registration.card_id for registration in registrations if registration.push_token in result.failed
        }
    updated = 0
    if google_documents and google_configured():
        failed = set(google.update_loyalty_objects(list(google_documents.values())))
        failed_ids |= {card_id for card_id, document in google_documents.items() if document["id"] in failed}
        updated = len(google_documents) - len(failed)
    if failed_ids:  # shown_points unknown: the next round sees a difference and delivers again
        WalletCard.objects.filter(pk__in=failed_ids).update(needs_update=True, shown_points=None)
    return UpdateRound(
        cards_changed=len(changed),
        pushes_delivered=delivered,
        devices_gone=gone,
        google_objects_updated=updated,
        cards_failed=len(failed_ids),
    )
