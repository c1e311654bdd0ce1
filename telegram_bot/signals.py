"""Messages triggered by the loyalty program: a receipt after every applied check, a birthday bonus note.

Both listen to the loyalty app's events, sent after commit (a check written by the POS drain's set-based writer
and a bonus granted by the nightly task are announced like any other), never to ORM signals.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils import translation

from guests.events import guest_erased
from loyalty.events import checks_applied, points_granted
from loyalty.models import EntryKind, LedgerEntry
from maxloyalty.task_queue import enqueue


def _wants_receipt(guest: Any, outcome: Any) -> bool:
    """Guests linked to the bot, or consenting to email or SMS (messaging sends those), get a receipt message, and
    only for checks that moved points (telegram_bot.services.notifications.queue_notification picks the way)."""
    reachable = guest.telegram_chat_id is not None or guest.has_consent("email") or guest.has_consent("sms")
    return reachable and bool(outcome.earned or outcome.spent)


@receiver(checks_applied, dispatch_uid="telegram-check-receipts")
def send_receipts_after_checks(sender: Any, applied: list[tuple[Any, Any]], **_kwargs: Any) -> None:
    ids = [outcome.applied_check.pk for guest, outcome in applied if _wants_receipt(guest, outcome)]
    if ids:
        enqueue("telegram_bot.tasks.send_check_receipts", applied_check_ids=ids)


@receiver(points_granted, dispatch_uid="telegram-birthday-bonus")
def note_birthday_bonus(sender: Any, entries: list[LedgerEntry], **_kwargs: Any) -> None:
    birthdays = [entry for entry in entries if entry.kind == EntryKind.BIRTHDAY]
    if not birthdays:
        return
    from guests.models import Guest
    from telegram_bot.models import MessageKind
    from telegram_bot.services.notifications import birthday_text, points_text, queue_notification

    guests = Guest.objects.in_bulk({entry.guest_id for entry in birthdays})
    for entry in birthdays:
        guest = guests.get(entry.guest_id)
        if guest is None:
            continue
        with translation.override(guest.language):
            text = birthday_text(entry.points)
        queue_notification(
            guest=guest,
            kind=MessageKind.BIRTHDAY,
            text=text,
            dedupe_key=f"birthday:{entry.pk}",
            extra_context={"bonus_points": points_text(entry.points)},
        )


@receiver(guest_erased, dispatch_uid="telegram-forget-erased-guest")
def forget_erased_guest(sender: Any, guest: Any, **_kwargs: Any) -> None:
    """The bot's chat with an erased guest holds their name, username and shared phone: it goes with them (writing
    to the bot again starts a new registration). In the erasing transaction (guests.events.guest_erased)."""
    from telegram_bot.models import TelegramChat

    TelegramChat.objects.filter(guest=guest).delete()
