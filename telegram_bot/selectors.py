"""Reads of the Telegram integration: the chain's bot, chats, segments, the delivery log, the Mini App's view."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from guests.conditions import any_tag_condition, birthday_month_condition, level_condition, reachable_condition
from guests.models import ConsentChannel, Guest, GuestStatus
from loyalty.models import Promo
from loyalty.selectors import chain_today, guest_balance, guest_ledger
from maxloyalty.encryption import decrypt_text
from restaurants.models import Restaurant, RestaurantStatus
from telegram_bot.errors import BotNotConnected, BroadcastNotFound
from telegram_bot.models import Broadcast, Delivery, StaffTelegramLink, TelegramBot, TelegramChat
from wallet.selectors import add_to_wallet_url

HISTORY_PAGE_SIZE = 5


def current_bot() -> TelegramBot | None:
    return TelegramBot.objects.first()


def connected_bot() -> TelegramBot:
    bot = current_bot()
    if bot is None:
        raise BotNotConnected()
    return bot


def bot_token(bot: TelegramBot) -> str:
    return decrypt_text(bot.token_encrypted)


def webhook_secret(bot: TelegramBot) -> str:
    return decrypt_text(bot.webhook_secret_encrypted)


def chat_of_guest(guest: Guest) -> TelegramChat | None:
    return TelegramChat.objects.filter(guest=guest).first()


def guest_of_telegram_user(user_id: int) -> Guest | None:
    chat = TelegramChat.objects.select_related("guest").filter(user_id=user_id, guest__isnull=False).first()
    return chat.guest if chat is not None else None


def reachable_chats() -> QuerySet[TelegramChat]:
    """Chats linked to an active guest who has not blocked the bot."""
    return TelegramChat.objects.filter(
        guest__isnull=False, guest__status=GuestStatus.ACTIVE, unreachable_at__isnull=True
    ).select_related("guest")


def segment_guests(broadcast: Broadcast) -> QuerySet[Guest]:
    """The broadcast's segment, narrowed to guests we may send marketing to in Telegram
    (guests.conditions.reachable_condition: consent, a chat that has not blocked the bot, an active guest)."""
    guests = Guest.objects.filter(reachable_condition(ConsentChannel.TELEGRAM))
    if broadcast.level_id is not None:
        guests = guests.filter(level_condition([broadcast.level_id]))
    if broadcast.tags:
        guests = guests.filter(any_tag_condition(broadcast.tags))
    if broadcast.last_visit_from is not None:
        guests = guests.filter(last_visit_at__date__gte=broadcast.last_visit_from)
    if broadcast.last_visit_to is not None:
        guests = guests.filter(last_visit_at__date__lte=broadcast.last_visit_to)
    if broadcast.birthday_month is not None:
        guests = guests.filter(birthday_month_condition(broadcast.birthday_month))
    return guests.order_by("pk")


def broadcasts() -> QuerySet[Broadcast]:
    return Broadcast.objects.select_related("level", "created_by")


def access_broadcast(broadcast_id: int) -> Broadcast:
    broadcast = broadcasts().filter(pk=broadcast_id).first()
    if broadcast is None:
        raise BroadcastNotFound()
    return broadcast


def due_broadcasts(now: datetime.datetime | None = None) -> QuerySet[Broadcast]:
    from telegram_bot.models import BroadcastStatus

    return Broadcast.objects.filter(status=BroadcastStatus.SCHEDULED, send_at__lte=now or timezone.now())


def guest_deliveries(*, guest: Guest, limit: int = 20) -> list[Delivery]:
    return list(Delivery.objects.filter(guest=guest).order_by("-created_at", "-id")[:limit])


def history_page(*, guest: Guest, page: int, size: int = HISTORY_PAGE_SIZE) -> tuple[list[Any], bool]:
    """One page of the guest's ledger (newest first) and whether an older page exists."""
    rows = list(guest_ledger(guest=guest)[page * size : (page + 1) * size + 1])
    return rows[:size], len(rows) > size


def current_promos() -> list[Promo]:
    today = chain_today()
    return list(
        Promo.objects.filter(is_active=True)
        .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=today))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .order_by("ends_on", "name")[:20]
    )


def open_restaurants() -> list[Restaurant]:
    return list(Restaurant.objects.exclude(status=RestaurantStatus.CLOSED).order_by("name", "id"))


def level_progress_percent(balance: Any) -> int:
    """How far the guest has come from their level's threshold to the next one (100 at the top level)."""
    if balance.next_level is None:
        return 100
    start = balance.level.threshold_amount if balance.level else 0
    span = balance.next_level.threshold_amount - start
    if span <= 0:
        return 100
    done = span - balance.spend_to_next_level_amount
    return max(0, min(100, int(done * 100 / span)))


def mini_app_profile(*, guest: Guest) -> dict[str, Any]:
    balance = guest_balance(guest=guest)
    chat = chat_of_guest(guest)
    return {
        "first_name": guest.first_name,
        "card_number": guest.card_number or "",
        "qr_token": guest.qr_token,
        "language": guest.language,
        "available": balance.available,
        "pending": balance.pending,
        "level": balance.level.name if balance.level else None,
        "next_level": balance.next_level.name if balance.next_level else None,
        "spend_to_next_level_amount": (
            str(balance.spend_to_next_level_amount) if balance.spend_to_next_level_amount is not None else None
        ),
        "level_progress_percent": level_progress_percent(balance),
        "notifications_enabled": chat.notifications_enabled if chat is not None else True,
        "marketing_consent": guest.has_consent("telegram"),
        "wallet_url": add_to_wallet_url(guest),  # "" while no wallet is configured
    }


def staff_link_of(user_id: int) -> StaffTelegramLink | None:
    return StaffTelegramLink.objects.filter(user_id=user_id).first()


def staff_alert_chats(user_ids: Iterable[int]) -> dict[int, int]:
    """Staff member → the chat their alerts go to, for those linked who have not blocked the bot."""
    rows = StaffTelegramLink.objects.filter(
        user_id__in=list(user_ids), chat_id__isnull=False, unreachable_at__isnull=True
    ).values_list("user_id", "chat_id")
    return {user_id: chat_id for user_id, chat_id in rows if chat_id is not None}
