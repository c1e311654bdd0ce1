"""Which channel a message to a guest goes through: the one place that decides (messaging.services asks it).

For each message and guest, `choose_channel`:
1. nothing for a guest who is not active (blocked or erased);
2. tries the guest's preferred channel first, then the chain's channel order (messaging.rules.channels_to_try), and
   takes the first one the guest consented to (consent given and not withdrawn, guests.models.Guest.has_consent) and
   can be reached on: Telegram needs the chain's bot and a linked chat that has not blocked it, email an address not
   suppressed (hard bounce, complaint), SMS a phone and the chain's SMS provider, and an SMS allowance not used up
   on a plan that blocks past it (billing.selectors.sms_allowance). Never a channel without consent;
3. marketing over the chain's frequency caps (the guest's marketing messages of the last day and of the last 7 days,
   not counting those they never got: refused, failed, bounced) is not sent, with the reason;
4. marketing inside the chain's quiet hours, in the local time of the guest's home restaurant (else the chain's
   zone), is delayed to their end (`not_before`), not dropped.
Transactional kinds (messaging.models.TRANSACTIONAL_KINDS: receipts) skip rules 3 and 4, but not the SMS allowance:
on a plan that blocks past it the platform does not pay for the extra parts, and a receipt still reaches the guest
through their other channels (and stays in their history). Their parts count toward the allowance like any other.

The rules run on facts read once for a batch of guests (`channel_facts`: preferences, reachable chats,
suppressed addresses, marketing counts, in grouped queries; `choose_with_facts` per guest, counting a marketing
message it lets through toward that guest's caps for the rest of the batch): messaging.services.send_to_guests
sends a campaign's batch that way, and `choose_channel` for one guest is the batch of one.
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


# Messages the guest never got do not count toward the caps: refused here, or failed or bounced on their way.
NOT_RECEIVED = (MessageStatus.SUPPRESSED, MessageStatus.FAILED, MessageStatus.BOUNCED)


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


def is_sms_allowance_used_up(now: datetime.datetime) -> bool:
    """The current chain's plan blocks SMS past its monthly allowance, and this month's parts reached it."""
    chain = Chain.objects.filter(schema_name=current_schema_name()).first()
    return chain is not None and sms_allowance(chain, now).is_blocked


@dataclass
class ChannelFacts:
    """What the choice reads for a batch of guests, read once (`channel_facts`): the chain's settings and bot, each
    guest's preference, reachable chat, their suppressed addresses and their marketing counts of the last day and
    7 days. `count_marketing` adds a message chosen in the same batch (a second message to one guest sees the
    first in the caps)."""

    settings: MessagingSettings
    now: datetime.datetime
    has_bot: bool
    preferred: dict[int, str]
    chats: dict[int, str]  # guest id -> the chat id of a chat that has not blocked the bot
    suppressed: set[str]  # lower-cased addresses
    marketing_day: dict[int, int]
    marketing_week: dict[int, int]
    sms_used_up: bool | None = None  # read the first time an SMS is considered
    zone: ZoneInfo | None = None  # the chain's, read the first time a guest without a home zone needs it

    def sms_allowance_used_up(self) -> bool:
        if self.sms_used_up is None:
            self.sms_used_up = is_sms_allowance_used_up(self.now)
        return self.sms_used_up

    def chain_zone(self) -> ZoneInfo:
        if self.zone is None:
            self.zone = chain_time_zone()
        return self.zone

    def count_marketing(self, guest_id: int) -> None:
        self.marketing_day[guest_id] = self.marketing_day.get(guest_id, 0) + 1
        self.marketing_week[guest_id] = self.marketing_week.get(guest_id, 0) + 1


def channel_facts(
    guests: Collection[Guest], *, settings: MessagingSettings, now: datetime.datetime, is_marketing: bool
) -> ChannelFacts:
    """The facts the choice needs for `guests`, in a few grouped queries whatever their number."""
    ids = [guest.pk for guest in guests]
    preferred: dict[int, str] = {}
    for guest_id, channel in ChannelPreference.objects.filter(guest_id__in=ids).values_list("guest_id", "channel"):
        preferred.setdefault(guest_id, channel)
    chats: dict[int, str] = {}
    reachable_chats = TelegramChat.objects.filter(guest_id__in=ids, unreachable_at__isnull=True).order_by("pk")
    for guest_id, chat_id in reachable_chats.values_list("guest_id", "chat_id"):
        if guest_id is not None:
            chats.setdefault(guest_id, str(chat_id))
    addresses = {guest.email.strip().lower() for guest in guests if guest.email}
    suppressed = (
        set(EmailSuppression.objects.filter(address__in=addresses).values_list("address", flat=True))
        if addresses
        else set()
    )
    day: dict[int, int] = {}
    week: dict[int, int] = {}
    if is_marketing:
        counts = (
            Message.objects.filter(
                guest_id__in=ids, is_marketing=True, created_at__gte=now - datetime.timedelta(days=7)
            )
            .exclude(status__in=NOT_RECEIVED)
            .values("guest_id")
            .annotate(week=Count("id"), day=Count("id", filter=Q(created_at__gte=now - datetime.timedelta(days=1))))
        )
        for row in counts:
            day[row["guest_id"]], week[row["guest_id"]] = row["day"], row["week"]
    return ChannelFacts(
        settings=settings,
        now=now,
        has_bot=bool(chats) and current_bot() is not None,
        preferred=preferred,
        chats=chats,
        suppressed=suppressed,
        marketing_day=day,
        marketing_week=week,
    )


def reachable_address(guest: Guest, channel: str, facts: ChannelFacts) -> str:
    """Where `guest` is reached on `channel` ("" when they cannot be)."""
    if channel == Channel.TELEGRAM:
        chat_id = facts.chats.get(guest.pk, "")
        return chat_id if facts.has_bot else ""
    if channel == Channel.EMAIL:
        return guest.email if guest.email and guest.email.strip().lower() not in facts.suppressed else ""
    if channel == Channel.SMS:
        return guest.phone if guest.phone and facts.settings.sms_provider else ""
    return ""


def guest_time_zone(guest: Guest, facts: ChannelFacts | None = None) -> ZoneInfo:
    """The zone of the guest's home restaurant, else the chain's (read once per batch of `facts`)."""
    restaurant = guest.home_restaurant if guest.home_restaurant_id else None
    if restaurant is not None and restaurant.time_zone:
        try:
            return ZoneInfo(restaurant.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return facts.chain_zone() if facts is not None else chain_time_zone()


def cap_refusal(guest: Guest, facts: ChannelFacts) -> Refusal | None:
    if facts.marketing_day.get(guest.pk, 0) >= facts.settings.marketing_per_day:
        return Refusal.DAILY_CAP
    if facts.marketing_week.get(guest.pk, 0) >= facts.settings.marketing_per_week:
        return Refusal.WEEKLY_CAP
    return None


def choose_with_facts(
    *, guest: Guest, is_marketing: bool, facts: ChannelFacts, allowed: Collection[str] | None = None
) -> ChannelChoice:
    """The channel `guest` gets a message through now, from the batch's facts (rules above). A marketing message
    chosen here counts toward the guest's caps for the rest of the batch."""
    if guest.status != GuestStatus.ACTIVE:
        return ChannelChoice(None, reason=Refusal.INACTIVE)
    settings = facts.settings
    chosen, address, consented_any, over_allowance = None, "", False, False
    preferred = facts.preferred.get(guest.pk)
    for channel in channels_to_try(preferred=preferred, order=settings.channel_order, known=Channel.values):
        if allowed is not None and channel not in allowed:
            continue
        if not guest.has_consent(channel):
            continue
        consented_any = True
        address = reachable_address(guest, channel, facts)
        if address and channel == Channel.SMS and facts.sms_allowance_used_up():
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
    refusal = cap_refusal(guest, facts)
    if refusal is not None:
        return ChannelChoice(None, reason=refusal)
    facts.count_marketing(guest.pk)
    quiet_end = quiet_hours_end(
        facts.now.astimezone(guest_time_zone(guest, facts)),
        start=settings.quiet_hours_start,
        end=settings.quiet_hours_end,
    )
    return ChannelChoice(
        chosen, recipient=address, not_before=quiet_end.astimezone(datetime.UTC) if quiet_end else None
    )


def choose_channel(
    *,
    guest: Guest,
    is_marketing: bool,
    settings: MessagingSettings,
    now: datetime.datetime | None = None,
    allowed: Collection[str] | None = None,
) -> ChannelChoice:
    """The channel `guest` gets a message through now, or None with the reason, or a later moment (rules above):
    the batch of one. `allowed`: only these channels are tried (a campaign written for some channels only)."""
    now = now or timezone.now()
    if guest.status != GuestStatus.ACTIVE:
        return ChannelChoice(None, reason=Refusal.INACTIVE)
    facts = channel_facts([guest], settings=settings, now=now, is_marketing=is_marketing)
    return choose_with_facts(guest=guest, is_marketing=is_marketing, facts=facts, allowed=allowed)
