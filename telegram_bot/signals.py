"""Messages triggered by the loyalty program: a receipt after every applied check, a birthday bonus note."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import translation

from guests.events import guest_erased
from loyalty.events import checks_applied
from loyalty.models import EntryKind, LedgerEntry


def _wants_receipt(guest: Any, outcome: Any) -> bool:
    """Only guests linked to the bot get a receipt message, and only for checks that moved points."""
    return guest.telegram_chat_id is not None and bool(outcome.earned or outcome.spent)


@receiver(checks_applied, dispatch_uid="telegram-check-receipts")
def send_receipts_after_checks(sender: Any, applied: list[tuple[Any, Any]], **_kwargs: Any) -> None:
    from telegram_bot.tasks import send_check_receipts

    ids = [outcome.applied_check.pk for guest, outcome in applied if _wants_receipt(guest, outcome)]
    if ids:
        transaction.on_commit(lambda: send_check_receipts.delay(ids))


@receiver(post_save, sender=LedgerEntry, dispatch_uid="telegram-birthday-bonus")
def note_birthday_bonus(sender: Any, instance: LedgerEntry, created: bool, **_kwargs: Any) -> None:
    if not created or instance.kind != EntryKind.BIRTHDAY:
        return
    from guests.models import Guest
    from telegram_bot.models import MessageKind
    from telegram_bot.services.notifications import birthday_text, queue_message

    guest = Guest.objects.filter(pk=instance.guest_id).first()
    if guest is None:
        return
    with translation.override(guest.language):
        text = birthday_text(instance.points)
    queue_message(guest=guest, kind=MessageKind.BIRTHDAY, text=text, dedupe_key=f"birthday:{instance.pk}")


@receiver(guest_erased, dispatch_uid="telegram-forget-erased-guest")
def forget_erased_guest(sender: Any, guest: Any, **_kwargs: Any) -> None:
    """The bot's chat with an erased guest holds their name, username and shared phone: it goes with them (writing
    to the bot again starts a new registration)."""
    from telegram_bot.models import TelegramChat

    TelegramChat.objects.filter(guest=guest).delete()
