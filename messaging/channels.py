"""Which channel a message to a guest goes through: the one place that decides (messaging.services asks it).

For each message and guest, `choose_channel`:
1. nothing for a guest who is not active (blocked or erased);
2. tries the guest's preferred channel first, then the chain's channel order (messaging.rules.channels_to_try), and
   takes the first one the guest consented to (consent given and not withdrawn, guests.models.Guest.has_consent) and
   can be reached on: Telegram needs the chain's bot and a linked chat that has not blocked it, email an address not
   suppressed (hard bounce, complaint), SMS a phone and the chain's SMS provider, and an SMS allowance not used up
   on a plan that blocks past it (billing.selectors.sms_allowance). Never a channel without consent;
3. marketing over the chain's frequency caps (the guest's marketing messages of the last day and of the last 7 days)
   is not sent, with the reason;
4. marketing inside the chain's quiet hours, in the local time of the guest's home restaurant (else the chain's
   zone), is delayed to their end (`not_before`), not dropped.
Transactional kinds (messaging.models.TRANSACTIONAL_KINDS: receipts) skip rules 3 and 4, but not the SMS allowance:
on a plan that blocks past it the platform does not pay for the extra parts, and a receipt still reaches the guest
through their other channels (and stays in their history). Their parts count toward the allowance like any other.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.periods import chain_time_zone
from billing.selectors import sms_allowance
from guests.conditions import reachable_condition as guest_reachable_condition
from guests.models import Guest, GuestStatus
from maxloyalty.current_schema import current_schema_name
from messaging.models import Channel, ChannelPreference, EmailSuppression, Message, MessageStatus, MessagingSettings
from messaging.rules import channels_to_try, quiet_hours_end
from telegram_bot.models import TelegramChat
from telegram_bot.selectors import current_bot
from tenants.models import Chain


class Refusal(models.TextChoices):
    """Why no channel was chosen: the code stored as the message's reason, and a readable text."""

    INACTIVE = "guest_inactive", _("The guest is blocked or erased")
    NO_CONSENT = "no_consent", _("The guest gave no consent for any channel")
    UNREACHABLE = "unreachable", _("The guest cannot be reached on any consented channel")
    DAILY_CAP = "daily_cap", _("The guest already got the chain's daily number of marketing messages")
    WEEKLY_CAP = "weekly_cap", _("The guest already got the chain's weekly number of marketing messages")
    SMS_ALLOWANCE = "sms_allowance", _("The plan's SMS allowance for this month is used up")


@dataclass(frozen=True)
class ChannelChoice:
    channel: str | None  # None: not sent (see reason)
    recipient: str = ""  # the chat id, email address or phone number
    reason: str = ""  # a Refusal code when channel is None
    not_before: datetime.datetime | None = None  # marketing in quiet hours: send at this moment (UTC), not earlier


def reachable_condition(channel: str) -> Q:
    """Guests a marketing message on `channel` can go to, in SQL (the segments' "reachable by" filter, campaigns):
    the guest's part (guests.conditions.reachable_condition: active, consent, the contact) and, for email, an
    address without a hard bounce or complaint. choose_channel checks the same per guest at send time, plus the
    chain's part (a connected bot, an SMS provider)."""
    condition = guest_reachable_condition(channel)
    if channel == Channel.EMAIL:
        condition &= ~Q(Exists(EmailSuppression.objects.filter(address=Lower(OuterRef("email")))))
    return condition


def is_email_suppressed(address: str) -> bool:
    return EmailSuppression.objects.filter(address=address.strip().lower()).exists()


def reachable_address(guest: Guest, channel: str, settings: MessagingSettings) -> str:
    """Where `guest` is reached on `channel` ("" when they cannot be)."""
    if channel == Channel.TELEGRAM:
        chat = TelegramChat.objects.filter(guest=guest, unreachable_at__isnull=True).only("chat_id").first()
        return str(chat.chat_id) if chat is not None and current_bot() is not None else ""
    if channel == Channel.EMAIL:
        return guest.email if guest.email and not is_email_suppressed(guest.email) else ""
    if channel == Channel.SMS:
        return guest.phone if guest.phone and settings.sms_provider else ""
    return ""


def is_sms_allowance_used_up(now: datetime.datetime) -> bool:
    """The current chain's plan blocks SMS past its monthly allowance, and this month's parts reached it."""
    chain = Chain.objects.filter(schema_name=current_schema_name()).first()
    return chain is not None and sms_allowance(chain, now).is_blocked


def guest_time_zone(guest: Guest) -> ZoneInfo:
    """The zone of the guest's home restaurant, else the chain's."""
    restaurant = guest.home_restaurant if guest.home_restaurant_id else None
    if restaurant is not None and restaurant.time_zone:
        try:
            return ZoneInfo(restaurant.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return chain_time_zone()


def cap_refusal(guest: Guest, settings: MessagingSettings, now: datetime.datetime) -> Refusal | None:
    counts = (
        Message.objects.filter(guest=guest, is_marketing=True, created_at__gte=now - datetime.timedelta(days=7))
        .exclude(status=MessageStatus.SUPPRESSED)
        .aggregate(week=Count("id"), day=Count("id", filter=Q(created_at__gte=now - datetime.timedelta(days=1))))
    )
    if counts["day"] >= settings.marketing_per_day:
        return Refusal.DAILY_CAP
    if counts["week"] >= settings.marketing_per_week:
        return Refusal.WEEKLY_CAP
    return None


def choose_channel(
    *,
    guest: Guest,
    is_marketing: bool,
    settings: MessagingSettings,
    now: datetime.datetime | None = None,
    allowed: Collection[str] | None = None,
) -> ChannelChoice:
    """The channel `guest` gets a message through now, or None with the reason, or a later moment (rules above).
    `allowed`: only these channels are tried (a campaign written for some channels only)."""
    now = now or timezone.now()
    if guest.status != GuestStatus.ACTIVE:
        return ChannelChoice(None, reason=Refusal.INACTIVE)
    preferred = ChannelPreference.objects.filter(guest=guest).values_list("channel", flat=True).first()
    chosen, address, consented_any, over_allowance = None, "", False, False
    for channel in channels_to_try(preferred=preferred, order=settings.channel_order, known=Channel.values):
        if allowed is not None and channel not in allowed:
            continue
        if not guest.has_consent(channel):
            continue
        consented_any = True
        address = reachable_address(guest, channel, settings)
        if address and channel == Channel.SMS and is_sms_allowance_used_up(now):
            address, over_allowance = "", True  # falls to the next channel
        if address:
            chosen = channel
            break
    if chosen is None:
        if over_allowance:
            return ChannelChoice(None, reason=Refusal.SMS_ALLOWANCE)
        return ChannelChoice(None, reason=Refusal.UNREACHABLE if consented_any else Refusal.NO_CONSENT)
    if not is_marketing:
        return ChannelChoice(chosen, recipient=address)
    refusal = cap_refusal(guest, settings, now)
    if refusal is not None:
        return ChannelChoice(None, reason=refusal)
    quiet_end = quiet_hours_end(
        now.astimezone(guest_time_zone(guest)), start=settings.quiet_hours_start, end=settings.quiet_hours_end
    )
    return ChannelChoice(
        chosen, recipient=address, not_before=quiet_end.astimezone(datetime.UTC) if quiet_end else None
    )
