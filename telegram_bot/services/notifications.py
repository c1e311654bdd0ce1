"""Messages to guests through the chain's bot: who may get what, the delivery log, Telegram's limits.

Marketing (broadcasts) goes only to guests with Telegram consent; service messages (receipts, levels, birthday,
expiry, welcome) follow the guest's notifications on/off setting. A service message the bot cannot deliver (the
guest has no chat, or muted or blocked it) is handed to messaging (`queue_notification`), which sends the chain's
template of the kind by email or SMS where the guest consented. A 429 is retried after its retry_after (the
task's countdown), a 403 (the user blocked the bot) marks the chat unreachable and stops all messages to it.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from guests.models import Guest, GuestStatus
from loyalty.models import AppliedCheck, NotificationKind, NotificationOutbox, NotificationStatus
from loyalty.selectors import guest_balance
from maxloyalty.task_queue import enqueue_after_commit
from messaging.selectors import own_telegram_text
from messaging.templating import points_text
from observability.metrics import TELEGRAM_MESSAGES
from telegram_bot.client import Forbidden, RetryAfter, TelegramError, call_bot, retry_after_seconds
from telegram_bot.models import (
    MARKETING_KINDS,
    Broadcast,
    Delivery,
    DeliveryStatus,
    MessageKind,
    TelegramChat,
)
from telegram_bot.selectors import bot_token, chat_of_guest, current_bot

MAX_ATTEMPTS = 5
OUTBOX_BATCH = 500


@dataclass(frozen=True)
class DeliveryOutcome:
    status: str
    retry_after: float | None = None  # seconds to wait before the next attempt (429), None: done
    # Set when this attempt finished a broadcast's message: the caller counts it (broadcasts.count_broadcast_delivery).
    broadcast_id: int | None = None


def may_receive(guest: Guest, chat: TelegramChat | None, kind: str) -> bool:
    if chat is None or chat.is_unreachable or guest.status != GuestStatus.ACTIVE:
        return False
    if kind in MARKETING_KINDS:
        return guest.has_consent("telegram")
    return chat.notifications_enabled


def queue_message(
    *,
    guest: Guest,
    kind: str,
    text: str,
    dedupe_key: str,
    broadcast: Broadcast | None = None,
    chat: TelegramChat | None = None,
) -> Delivery | None:
    """Log a message as queued and send it after commit; None when the guest may not get it or it was queued
    before (same dedupe key). `chat` is the guest's chat when the caller has already read it (a broadcast reads
    every recipient's chat with the segment); without it the chat is looked up."""
    if chat is None:
        chat = chat_of_guest(guest)
    if not may_receive(guest, chat, kind):
        return None
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                guest=guest, kind=kind, text=text, dedupe_key=dedupe_key, broadcast=broadcast
            )
    except IntegrityError:
        return None
    enqueue_after_commit("telegram_bot.tasks.send_delivery", delivery_id=delivery.pk)
    return delivery


SEND_TEMPLATED_TASK = "messaging.tasks.send_templated_message"
# Channels messaging can reach a guest on besides the bot.
OTHER_CHANNELS = ("email", "sms")


def queue_notification(
    *, guest: Guest, kind: str, text: str, dedupe_key: str, extra_context: dict[str, str]
) -> tuple[Delivery | None, bool]:
    """A service message: by the bot (Telegram first) when the guest may get it there, else handed to messaging
    (messaging.services.send_templated: the chain's template by email or SMS, messaging choosing the channel) when
    the guest consented to one of those. Returns the bot's delivery and whether messaging took the message."""
    chat = chat_of_guest(guest)
    if may_receive(guest, chat, kind):
        text = own_telegram_text(guest=guest, kind=kind, extra_context=extra_context) or text
        return queue_message(guest=guest, kind=kind, text=text, dedupe_key=dedupe_key, chat=chat), False
    muted = chat is not None and not chat.is_unreachable and not chat.notifications_enabled
    if guest.status != GuestStatus.ACTIVE or muted:  # a guest who turned the bot's notifications off gets none
        return None, False
    if not any(guest.has_consent(channel) for channel in OTHER_CHANNELS):
        return None, False
    enqueue_after_commit(
        SEND_TEMPLATED_TASK, guest_id=guest.pk, kind=kind, dedupe_key=dedupe_key, extra_context=extra_context
    )
    return None, True


def receipt_text(*, earned: int, spent: int, available: int) -> str:
    parts = []
    if earned:
        parts.append(ngettext("+%(points)s point", "+%(points)s points", earned) % {"points": points_text(earned)})
    if spent:
        parts.append(ngettext("−%(points)s point", "−%(points)s points", spent) % {"points": points_text(spent)})
    parts.append(_("balance %(points)s") % {"points": points_text(available)})
    return " · ".join(parts)


def queue_check_receipt(*, applied_check_id: int) -> Delivery | None:
    """The message after a processed check ("+120 points · balance 1 540"), at most once per check."""
    applied = AppliedCheck.objects.select_related("guest").filter(pk=applied_check_id).first()
    if applied is None or not (applied.points_earned or applied.points_spent):
        return None
    guest = applied.guest
    balance = guest_balance(guest=guest)
    with translation.override(guest.language):
        text = receipt_text(earned=applied.points_earned, spent=applied.points_spent, available=balance.available)
    extra = {"earned_points": points_text(applied.points_earned), "spent_points": points_text(applied.points_spent)}
    delivery, _handed = queue_notification(
        guest=guest, kind=MessageKind.RECEIPT, text=text, dedupe_key=f"receipt:{applied.pk}", extra_context=extra
    )
    return delivery


def birthday_text(points: int) -> str:
    return ngettext(
        "Happy birthday! We have added %(points)s point to your card.",
        "Happy birthday! We have added %(points)s points to your card.",
        points,
    ) % {"points": points_text(points)}


def _outbox_context(row: NotificationOutbox) -> dict[str, str]:
    """The variables of the outbox row's kind for messaging's templates (messaging.templating.KIND_VARIABLES)."""
    payload: dict[str, Any] = row.payload or {}
    if row.kind == NotificationKind.LEVEL_CHANGED:
        return {"new_level": str(payload.get("to_level") or "—")}
    return {
        "expiring_points": points_text(int(payload.get("points") or 0)),
        "expiry_date": day_text(payload.get("last_day")),
    }


def _outbox_text(row: NotificationOutbox) -> tuple[str, str]:
    payload: dict[str, Any] = row.payload or {}
    if row.kind == NotificationKind.LEVEL_CHANGED:
        if payload.get("is_upgrade"):
            text = _("Congratulations! Your level is now %(level)s.")
        else:
            text = _("Your level is now %(level)s.")
        return MessageKind.LEVEL_CHANGED, text % {"level": payload.get("to_level") or "—"}
    points = int(payload.get("points") or 0)
    text = ngettext(
        "%(points)s point expires after %(day)s. Come and spend it!",
        "%(points)s points expire after %(day)s. Come and spend them!",
        points,
    )
    return MessageKind.POINTS_EXPIRING, text % {"points": points_text(points), "day": day_text(payload.get("last_day"))}


@dataclass(frozen=True)
class MessageSample:
    kind: str
    label: str
    texts: dict[str, str]  # language code → the message as a guest reads it


def message_samples() -> list[MessageSample]:
    """The automatic messages the bot sends, written by the same functions as the real ones, with sample figures,
    in every language of the site (the settings page shows them to the chain's admins)."""
    level_up = NotificationOutbox(kind=NotificationKind.LEVEL_CHANGED, payload={"to_level": "Gold", "is_upgrade": True})
    expiring = NotificationOutbox(
        kind=NotificationKind.POINTS_EXPIRING, payload={"points": 120, "last_day": "2026-12-01"}
    )
    writers: list[tuple[str, Callable[[], object]]] = [
        (MessageKind.RECEIPT, lambda: receipt_text(earned=120, spent=0, available=1540)),
        (MessageKind.LEVEL_CHANGED, lambda: _outbox_text(level_up)[1]),
        (MessageKind.BIRTHDAY, lambda: birthday_text(300)),
        (MessageKind.POINTS_EXPIRING, lambda: _outbox_text(expiring)[1]),
    ]
    samples = []
    for kind, write in writers:
        texts = {}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                texts[code] = str(write())
        samples.append(MessageSample(kind=kind, label=str(MessageKind(kind).label), texts=texts))
    return samples


def day_text(iso_day: str | None) -> str:
    """ "2026-12-01" → "1 декабря 2026 г." / "Dec. 1, 2026" in the active language (the raw value if it is no date)."""
    try:
        return date_format(datetime.date.fromisoformat(iso_day or ""), "DATE_FORMAT")
    except ValueError:
        return iso_day or ""


def is_announced_by_automations(row: NotificationOutbox) -> bool:
    """A move up and points about to expire are the automations' occasions (automations.runners: their switch,
    channels and bonus decide): the outbox row is left to them, so the guest hears once."""
    payload: dict[str, Any] = row.payload or {}
    return row.kind == NotificationKind.POINTS_EXPIRING or bool(payload.get("is_upgrade"))


def queue_outbox_notifications() -> int:
    """Turn the loyalty app's pending notifications into Telegram messages; returns how many were queued.
    Rows for guests we cannot reach, and rows the automations announce, are marked skipped."""
    queued = 0
    rows = list(
        NotificationOutbox.objects.select_related("guest")
        .filter(status=NotificationStatus.PENDING)
        .order_by("created_at", "id")[:OUTBOX_BATCH]
    )
    for row in rows:
        if is_announced_by_automations(row):
            NotificationOutbox.objects.filter(pk=row.pk).update(
                status=NotificationStatus.SKIPPED, sent_at=timezone.now()
            )
            continue
        with translation.override(row.guest.language):
            kind, text = _outbox_text(row)
            extra = _outbox_context(row)
        delivery, handed = queue_notification(
            guest=row.guest, kind=kind, text=text, dedupe_key=f"outbox:{row.pk}", extra_context=extra
        )
        status = NotificationStatus.SENT if delivery is not None or handed else NotificationStatus.SKIPPED
        NotificationOutbox.objects.filter(pk=row.pk).update(status=status, sent_at=timezone.now())
        queued += delivery is not None or handed
    return queued


def set_notifications(*, guest: Guest, enabled: bool) -> bool:
    TelegramChat.objects.filter(guest=guest).update(notifications_enabled=enabled)
    return enabled


# --- Sending ------------------------------------------------------------------------------------------------


def take_slot(key: str, window_seconds: float, limit: int) -> float:
    """0 when a slot was taken, else the seconds to wait. Redis counters shared by every worker process."""
    platform_cache = caches["platform"]
    full_key = platform_cache.make_key(key)
    try:
        from django_redis import get_redis_connection

        redis = get_redis_connection("platform")
    except (NotImplementedError, ImportError):  # the development fallback without Redis: no shared limiter
        return 0.0
    window_ms = max(int(window_seconds * 1000), 1)
    count = redis.incr(full_key)
    if count == 1:
        redis.pexpire(full_key, window_ms)
    if count <= limit:
        return 0.0
    ttl = redis.pttl(full_key)
    return max(ttl, 1) / 1000 if ttl and ttl > 0 else window_seconds


def wait_for_send_slot(*, bot_id: int, chat_id: int) -> None:
    """Block until both Telegram limits allow one more message: ~30/s per bot and one per second per chat."""
    interval = settings.TELEGRAM_CHAT_INTERVAL_SECONDS
    per_second = settings.TELEGRAM_MESSAGES_PER_SECOND
    while interval > 0 and (wait := take_slot(f"tg-chat:{bot_id}:{chat_id}", interval, 1)):
        time.sleep(min(wait, interval))
    while per_second > 0 and (wait := take_slot(f"tg-bot:{bot_id}:{int(time.time())}", 1.0, per_second)):
        time.sleep(min(wait, 0.05))


# Messaging's post-visit feedback request (feedback.services): sent with a 1..5 keyboard whose callback names the
# messaging message ("rate:<message id>:<score>"), answered by the bot's update handling (services.updates).
FEEDBACK_REQUEST_KIND = "feedback_request"
RATING_CALLBACK_PREFIX = "rate:"


def rating_markup(message_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(str(score), callback_data=f"{RATING_CALLBACK_PREFIX}{message_id}:{score}")
                for score in range(1, 6)
            ]
        ]
    )


def _reply_markup(delivery: Delivery) -> InlineKeyboardMarkup | None:
    if delivery.kind == FEEDBACK_REQUEST_KIND and delivery.dedupe_key.startswith("message:"):
        message_id = delivery.dedupe_key.removeprefix("message:")
        return rating_markup(int(message_id)) if message_id.isdigit() else None
    broadcast = delivery.broadcast
    if broadcast is None or not (broadcast.button_url and broadcast.button_text):
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(broadcast.button_text, url=broadcast.button_url)]])


def _finish(delivery: Delivery, status: str, reason: str = "") -> DeliveryOutcome:
    delivery.status, delivery.reason = status, reason[:300]
    delivery.sent_at = timezone.now() if status == DeliveryStatus.SENT else None
    delivery.save(update_fields=["status", "reason", "sent_at", "attempts"])
    TELEGRAM_MESSAGES.labels(outcome=str(status)).inc()  # sent or failed: every delivery ends here once
    return DeliveryOutcome(status, broadcast_id=delivery.broadcast_id)


def deliver(*, delivery_id: int) -> DeliveryOutcome:
    """Send one queued message with the chain's bot and log the outcome."""
    delivery = Delivery.objects.select_related("guest__telegram_chat", "broadcast").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.QUEUED:
        return DeliveryOutcome(delivery.status if delivery else DeliveryStatus.FAILED)
    bot = current_bot()
    # The guest's chat came with the delivery (one query less per message); a guest without one reads as None.
    chat: TelegramChat | None = getattr(delivery.guest, "telegram_chat", None)
    if bot is None:
        return _finish(delivery, DeliveryStatus.FAILED, "No Telegram bot is connected")
    if chat is None or chat.is_unreachable:
        return _finish(delivery, DeliveryStatus.FAILED, "The guest cannot be reached in Telegram")
    if delivery.broadcast is not None and delivery.broadcast.status == "cancelled":
        return _finish(delivery, DeliveryStatus.FAILED, "Broadcast cancelled")
    wait_for_send_slot(bot_id=bot.bot_id, chat_id=chat.chat_id)
    delivery.attempts += 1
    markup = _reply_markup(delivery)
    image_url = delivery.broadcast.image_url if delivery.broadcast is not None else ""
    try:
        if image_url:
            call_bot(
                bot_token(bot),
                lambda api: api.send_photo(
                    chat_id=chat.chat_id, photo=image_url, caption=delivery.text[:1024], reply_markup=markup
                ),
            )
        else:
            call_bot(
                bot_token(bot),
                lambda api: api.send_message(chat_id=chat.chat_id, text=delivery.text, reply_markup=markup),
            )
    except RetryAfter as error:
        if delivery.attempts >= MAX_ATTEMPTS:
            return _finish(delivery, DeliveryStatus.FAILED, f"Flood control: {error}")
        delivery.reason = f"Telegram asked to wait {retry_after_seconds(error):g} s"
        delivery.save(update_fields=["attempts", "reason"])
        return DeliveryOutcome(DeliveryStatus.QUEUED, retry_after=retry_after_seconds(error))
    except Forbidden as error:
        TelegramChat.objects.filter(pk=chat.pk).update(unreachable_at=timezone.now())
        return _finish(delivery, DeliveryStatus.FAILED, f"The guest blocked the bot ({error})")
    except TelegramError as error:
        return _finish(delivery, DeliveryStatus.FAILED, str(error) or error.__class__.__name__)
    return _finish(delivery, DeliveryStatus.SENT)
