"""Messages triggered by the loyalty program: a receipt after every applied check. It listens to the loyalty app's
event, sent after commit (a check written by the POS drain's set-based writer is announced like any other), never
to ORM signals. The birthday greeting (with the birthday bonus) is the birthday automation's (automations.runners).
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from guests.events import guest_erased
from loyalty.events import checks_applied
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


@receiver(guest_erased, dispatch_uid="telegram-forget-erased-guest")
def forget_erased_guest(sender: Any, guest: Any, **_kwargs: Any) -> None:
    """The bot's chat with an erased guest holds their name, username and shared phone: it goes with them (writing
    to the bot again starts a new registration). In the erasing transaction (guests.events.guest_erased)."""
    from telegram_bot.models import TelegramChat

    TelegramChat.objects.filter(guest=guest).delete()
