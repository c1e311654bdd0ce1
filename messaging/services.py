"""Every write of messaging: send a message to a guest, deliver it through its channel, take in the email
provider's tracking events, unsubscribe, a guest's preferred channel, the chain's messaging settings.

`send_to_guest` asks messaging.channels which channel (or none, or later), logs one Message under its dedupe key
and queues its delivery after commit; `deliver_message` (the messaging.tasks.deliver_message task) sends it through
the sender of its channel (SENDERS: the one dispatch by channel; SMS plugs in there). `send_to_guests` does the
same for a batch of guests in a fixed number of statements (send_to_guest is its batch of one), and
`deliver_messages` (the messaging.tasks.deliver_messages task) delivers a batch, each outcome committed on its own.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower, Trim
from django.utils import timezone

from accounts.models import User
from audit.services import changes_between, record_audit
from guests.models import Guest
from guests.selectors import with_loyalty
from guests.services import set_consent
from maxloyalty.current_schema import current_schema_name
from maxloyalty.encryption import encrypt_json
from maxloyalty.events import emit_after_commit
from maxloyalty.task_queue import enqueue_after_commit
from messaging.channels import Refusal, channel_facts, choose_with_facts, is_sms_allowance_used_up
from messaging.email import OutgoingEmail, close_email_connection, open_email_connection, send_email
from messaging.errors import ProviderRefused, ProviderUnavailable, UnknownChannel, UnsubscribeLinkInvalid
from messaging.events import messages_failed
from messaging.message_templates import TEMPLATE_FIELDS, TemplateTexts, render_for_channel
from messaging.models import (
    TRANSACTIONAL_KINDS,
    Channel,
    ChannelPreference,
    EmailSuppression,
    Message,
    MessageStatus,
    MessageTemplate,
    MessagingSettings,
    SmsProvider,
    SuppressionReason,
)
from messaging.pacing import MESSAGE_HOLD_SECONDS, hold_seconds, holds_back
from messaging.selectors import chain_name, message_template, messaging_settings, sms_credentials, template_language
from messaging.sms.providers import new_callback_token, provider_for
from messaging.sms_services import CREDENTIAL_KEYS, send_sms_message, sms_config
from messaging.templating import check_texts, guest_context
from messaging.unsubscribe_links import guest_of_token, unsubscribe_url
from observability.metrics import GUEST_MESSAGES
from telegram_bot.models import Delivery, DeliveryStatus
from telegram_bot.services.notifications import deliver as deliver_by_telegram
from telegram_bot.services.notifications import take_slot
from tenants.models import Chain

DELIVER_TASK = "messaging.tasks.deliver_message"
DELIVER_BATCH_TASK = "messaging.tasks.deliver_messages"
# Messages handed to the provider by one deliver_messages task (one email connection, the shared reads once).
DELIVERY_BATCH = 50
REGISTER_SMS_CALLBACK_TASK = "messaging.tasks.register_sms_callback"
MAX_ATTEMPTS = 5
DUE_BATCH = 1000
# A queued message not sent this long after its task was handed over is handed over again (longer than the last
# retry's back-off, so a retry in progress is not doubled).
LOST_AFTER = datetime.timedelta(minutes=15)
UNSUBSCRIBE_LINK = "unsubscribe link"
PROVIDER_UNSUBSCRIBE = "email provider"


@dataclass(frozen=True)
class DeliveryResult:
    status: str
    retry_after: float | None = None  # the provider was unavailable: seconds until the next attempt


@dataclass(frozen=True)
class Sent:
    provider: str
    provider_message_id: str = ""


@dataclass(frozen=True)
class MessageContent:
    """What a message says on one channel: a text (the SMS, the Telegram message, the email's text part), and for
    email a subject and an HTML part (empty: made from the text)."""

    text: str
    subject: str = ""
    html: str = ""


# Content made once the channel is known (templates and campaign texts differ per channel): channel -> content.
ContentForChannel = Callable[[str], MessageContent]


# --- Sending --------------------------------------------------------------------------------------------------


# Content made for a guest once their channel is known (a batch's messages differ per guest and channel).
ContentForGuest = Callable[[Guest, str], MessageContent]


@dataclass(frozen=True)
class GuestSend:
    """One message of a batch (send_to_guests): to whom, under which dedupe key."""

    guest_id: int
    dedupe_key: str


def _delivery_chunks(message_ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(message_ids), DELIVERY_BATCH):
        yield message_ids[start : start + DELIVERY_BATCH]


def _enqueue_deliveries(message_ids: list[int]) -> None:
    """Each message handed over after commit: one at a time alone, else in batches (deliver_messages)."""
    if len(message_ids) == 1:
        enqueue_after_commit(DELIVER_TASK, message_id=message_ids[0])
        return
    for chunk in _delivery_chunks(message_ids):
        enqueue_after_commit(DELIVER_BATCH_TASK, message_ids=chunk)


def _create_messages(messages: list[Message]) -> dict[str, Message]:
    """Insert the batch's messages in one statement; when a concurrent sender logged one of the keys first (the
    unique dedupe key), one by one, keeping theirs. The messages by dedupe key."""
    try:
        with transaction.atomic():
            Message.objects.bulk_create(messages)
        return {message.dedupe_key: message for message in messages}
    except IntegrityError:
        pass
    logged: dict[str, Message] = {}
    for message in messages:
        try:
            with transaction.atomic():
                message.pk = None
                message.save(force_insert=True)
            logged[message.dedupe_key] = message
        except IntegrityError:  # a concurrent sender logged it first
            logged[message.dedupe_key] = Message.objects.get(dedupe_key=message.dedupe_key)
    return logged


@transaction.atomic
def send_to_guests(
    *,
    sends: Sequence[GuestSend],
    kind: str,
    text: str = "",
    subject: str = "",
    html: str = "",
    content_for: ContentForGuest | None = None,
    allowed_channels: Collection[str] | None = None,
    is_marketing: bool | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, Message]:
    """send_to_guest for many guests at once, in a number of statements that does not grow with the batch: the
    messages already logged under their dedupe keys are returned as they are (nothing sent twice); the guests are
    locked together (ORDER BY id, so two batches cannot deadlock), the channel choice reads its facts once
    (messaging.channels.channel_facts: the same rules as one guest's, a second message to a guest in the batch
    counted in the caps), the messages are inserted in one statement and their delivery queued in batches after
    commit. A guest who no longer exists is skipped. The messages by dedupe key."""
    keys = [send.dedupe_key for send in sends]
    logged = {message.dedupe_key: message for message in Message.objects.filter(dedupe_key__in=keys)}
    pending: dict[str, GuestSend] = {}
    for send in sends:
        if send.dedupe_key not in logged:
            pending.setdefault(send.dedupe_key, send)
    if not pending:
        return logged
    marketing = (kind not in TRANSACTIONAL_KINDS) if is_marketing is None else is_marketing
    marketing = marketing and kind not in TRANSACTIONAL_KINDS
    # One sender at a time per guest, so two concurrent sends cannot both pass the frequency cap.
    guests = {
        guest.pk: guest
        for guest in with_loyalty(Guest.objects.select_for_update(of=("self",)).select_related("home_restaurant"))
        .filter(pk__in={send.guest_id for send in pending.values()})
        .order_by("pk")
    }
    now = now or timezone.now()
    facts = channel_facts(list(guests.values()), settings=messaging_settings(), now=now, is_marketing=marketing)
    queued_at = timezone.now()
    messages = []
    for send in pending.values():
        guest = guests.get(send.guest_id)
        if guest is None:
            continue
        choice = choose_with_facts(guest=guest, is_marketing=marketing, facts=facts, allowed=allowed_channels)
        content = MessageContent(text=text, subject=subject, html=html)
        if content_for is not None and choice.channel:
            content = content_for(guest, choice.channel)
        messages.append(
            Message(
                guest=guest,
                kind=kind,
                channel=choice.channel or "",
                is_marketing=marketing,
                recipient=choice.recipient,
                subject=content.subject,
                text_body=content.text,
                html_body=content.html,
                status=MessageStatus.QUEUED if choice.channel else MessageStatus.SUPPRESSED,
                reason=choice.reason,
                dedupe_key=send.dedupe_key,
                not_before_at=choice.not_before,
                queued_at=queued_at if choice.channel and choice.not_before is None else None,
                created_at=now,
            )
        )
    created = _create_messages(messages)
    to_deliver = []
    for message in messages:
        if created.get(message.dedupe_key) is not message:
            continue  # a concurrent sender's
        if message.status == MessageStatus.SUPPRESSED:
            GUEST_MESSAGES.labels(channel="none", outcome=MessageStatus.SUPPRESSED.value).inc()
        if message.queued_at is not None:
            to_deliver.append(message.pk)
    _enqueue_deliveries(to_deliver)  # those waiting out quiet hours: the tick hands them over when they end
    return {**logged, **created}


def send_to_guest(
    *,
    guest: Guest,
    kind: str,
    dedupe_key: str,
    text: str = "",
    subject: str = "",
    html: str = "",
    content_for: ContentForChannel | None = None,
    allowed_channels: Collection[str] | None = None,
    is_marketing: bool | None = None,
    now: datetime.datetime | None = None,
) -> Message:
    """Log one message to `guest` through the channel messaging.channels chooses and queue its delivery; the same
    dedupe key again returns the first message and sends nothing. Not sendable (no consent, caps): the message is
    logged as suppressed with the reason. `is_marketing` defaults to "not a transactional kind". The content is
    `text` (with `subject`, `html`) on any channel, or `content_for(channel)` once the channel is chosen;
    `allowed_channels` limits the choice (a campaign written for some channels only). The batch of one of
    send_to_guests."""
    messages = send_to_guests(
        sends=[GuestSend(guest_id=guest.pk, dedupe_key=dedupe_key)],
        kind=kind,
        text=text,
        subject=subject,
        html=html,
        content_for=(lambda _guest, channel: content_for(channel)) if content_for is not None else None,
        allowed_channels=allowed_channels,
        is_marketing=is_marketing,
        now=now,
    )
    message = messages.get(dedupe_key)
    if message is None:
        raise Guest.DoesNotExist(f"No guest {guest.pk}")
    return message


@transaction.atomic
def queue_due_messages(*, now: datetime.datetime | None = None, batch: int = DUE_BATCH) -> int:
    """Hand to the queue the messages whose quiet hours are over, and those whose task was lost (queued longer
    than LOST_AFTER ago and still not sent: a worker died, the broker lost it). Once a minute per chain; a message
    taken twice is still sent once (deliver_message claims it)."""
    now = now or timezone.now()
    due = Q(not_before_at__isnull=True) | Q(not_before_at__lte=now)
    waiting_or_lost = Q(queued_at__isnull=True) | Q(queued_at__lte=now - LOST_AFTER)
    ids = list(
        Message.objects.select_for_update(skip_locked=True)
        .filter(due & waiting_or_lost, status=MessageStatus.QUEUED)
        .order_by("not_before_at", "id")
        .values_list("pk", flat=True)[:batch]
    )
    Message.objects.filter(pk__in=ids).update(queued_at=now)
    _enqueue_deliveries(ids)
    return len(ids)


class DeliveryContext:
    """What the deliveries of one batch share, each read the first time a message needs it: the chain, its
    messaging settings and one open email connection (anymail's HTTP session, or one SMTP connection) for all the
    batch's emails. Close it at the end (`close`)."""

    def __init__(self) -> None:
        self._chain: Chain | None = None
        self._chain_read = False
        self._settings: MessagingSettings | None = None
        self._email_connection: Any = None

    @property
    def chain(self) -> Chain | None:
        if not self._chain_read:
            self._chain, self._chain_read = Chain.objects.filter(schema_name=current_schema_name()).first(), True
        return self._chain

    @property
    def settings(self) -> MessagingSettings:
        if self._settings is None:
            self._settings = messaging_settings()
        return self._settings

    def sms_allowance_used_up(self) -> bool:
        """Read again for each SMS: the batch's own messages may use the allowance up half-way."""
        return is_sms_allowance_used_up(timezone.now())

    def email_connection(self) -> Any:
        if self._email_connection is None:
            self._email_connection = open_email_connection()
        return self._email_connection

    def close(self) -> None:
        if self._email_connection is not None:
            close_email_connection(self._email_connection)
            self._email_connection = None


def _send_telegram(message: Message, context: DeliveryContext) -> Sent:
    """Through the bot's own delivery path (telegram_bot.services.notifications.deliver): its rate limits, its
    429 and 403 handling, its delivery log, one Delivery per Message."""
    delivery, _created = Delivery.objects.get_or_create(
        dedupe_key=f"message:{message.pk}",
        defaults={"guest_id": message.guest_id, "kind": message.kind, "text": message.text_body},
    )
    outcome = deliver_by_telegram(delivery_id=delivery.pk)
    if outcome.status == DeliveryStatus.SENT:
        return Sent(provider="telegram", provider_message_id=str(delivery.pk))
    if outcome.status == DeliveryStatus.QUEUED and outcome.retry_after is not None:
        raise ProviderUnavailable("Telegram asked to wait", retry_after=outcome.retry_after)
    delivery.refresh_from_db(fields=["reason"])
    raise ProviderRefused(delivery.reason or "Telegram did not take the message")


def _send_email(message: Message, context: DeliveryContext) -> Sent:
    row = context.settings
    schema_name = current_schema_name()
    chain = context.chain
    link = ""
    if message.is_marketing:
        base_url = chain.base_url if chain is not None else ""
        link = unsubscribe_url(base_url=base_url, guest_id=message.guest_id, schema_name=schema_name)
    wait_for_provider_slot(Channel.EMAIL, settings.MESSAGING_EMAIL_PER_SECOND)
    sent = send_email(
        OutgoingEmail(
            to=message.recipient,
            subject=message.subject,
            text=message.text_body,
            html=message.html_body,
            sender_name=row.email_sender_name or (chain.name if chain is not None else ""),
            sender_address=row.email_sender_address,
            unsubscribe_url=link,
            metadata={"chain": schema_name, "message": str(message.pk)},
        ),
        connection=context.email_connection(),
    )
    return Sent(provider=sent.provider, provider_message_id=sent.provider_message_id)


def _send_sms(message: Message, context: DeliveryContext) -> Sent:
    """Through the chain's SMS provider (messaging.sms_services); the parts it cost are kept on the message."""
    wait_for_provider_slot(Channel.SMS, settings.MESSAGING_SMS_PER_SECOND)
    provider, sent = send_sms_message(message)
    message.parts = sent.parts
    message.save(update_fields=["parts"])
    return Sent(provider=provider, provider_message_id=sent.provider_message_id)


def wait_for_provider_slot(channel: str, per_second: int) -> None:
    """Block until the provider's per-second limit allows one more message (0: no limit), shared by every worker
    through the same Redis counters as the bot's limits (telegram_bot.services.notifications.take_slot)."""
    while per_second > 0 and (wait := take_slot(f"provider:{channel}:{int(time.time())}", 1.0, per_second)):
        time.sleep(min(wait, 0.05))


# The one dispatch by channel.
SENDERS: dict[str, Callable[[Message, DeliveryContext], Sent]] = {
    Channel.TELEGRAM: _send_telegram,
    Channel.EMAIL: _send_email,
    Channel.SMS: _send_sms,
}


def _still_sendable(message: Message, context: DeliveryContext) -> str:
    """ "" when the message may still go out, else why not: consent withdrawn, the address suppressed or the SMS
    allowance used up while it waited (quiet hours, retries). `message.is_suppressed` is read with the message."""
    if not message.guest.has_consent(message.channel):
        return "Consent withdrawn before sending"
    if message.channel == Channel.EMAIL and getattr(message, "is_suppressed", False):
        return "The address is suppressed (bounce or complaint)"
    if message.channel == Channel.SMS and context.sms_allowance_used_up():
        return Refusal.SMS_ALLOWANCE.value  # used up while the message waited (quiet hours, retries)
    return ""


def retry_delay(attempts: int) -> float:
    """Exponential back-off from MESSAGING_RETRY_SECONDS: 1×, 2×, 4×, ..."""
    base: float = settings.MESSAGING_RETRY_SECONDS
    return float(base * 2 ** max(attempts - 1, 0))


def _finish(message: Message, status: str, reason: str = "", sent: Sent | None = None) -> DeliveryResult:
    message.status, message.reason = status, reason[:300]
    fields = ["status", "reason", "attempts"]
    if sent is not None:
        message.provider, message.provider_message_id = sent.provider, sent.provider_message_id[:255]
        message.sent_at = timezone.now()
        fields += ["provider", "provider_message_id", "sent_at"]
    message.save(update_fields=fields)
    GUEST_MESSAGES.labels(channel=message.channel, outcome=str(status)).inc()  # every delivery ends here once
    if status == MessageStatus.FAILED:
        emit_after_commit(messages_failed, sender=Message, messages=[message])
    return DeliveryResult(status)


def _queued_messages(message_ids: Sequence[int]) -> dict[int, Message]:
    """The queued messages among `message_ids`, with their guest and whether their address is suppressed, in one
    query for a batch (each is then locked and checked again on its own: `_deliver`)."""
    suppressed = EmailSuppression.objects.filter(address=Lower(Trim(OuterRef("recipient"))))
    rows = (
        Message.objects.select_related("guest")
        .annotate(is_suppressed=Exists(suppressed))
        .filter(pk__in=message_ids, status=MessageStatus.QUEUED)
    )
    return {message.pk: message for message in rows}


def _deliver(message_id: int, message: Message | None, context: DeliveryContext) -> DeliveryResult:
    """One message through its channel, its outcome committed before the next is taken: a worker killed in a
    batch leaves the messages before committed as sent and the rest queued (the tick hands them over again)."""
    with transaction.atomic():
        locked = (
            Message.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id)
            .values_list("status", "attempts", "not_before_at")
            .first()
        )
        if locked is None:  # gone, or another worker holds it
            return DeliveryResult("missing")
        status, attempts, not_before_at = locked
        if message is None or status != MessageStatus.QUEUED:
            return DeliveryResult(status)
        message.status, message.attempts, message.not_before_at = status, attempts, not_before_at
        now = timezone.now()
        if message.not_before_at is not None and message.not_before_at > now:
            return DeliveryResult(message.status)  # early: the tick hands it over again once it is due
        refusal = _still_sendable(message, context)
        if refusal:
            return _finish(message, MessageStatus.SUPPRESSED, refusal)
        message.attempts += 1
        try:
            sent = SENDERS[message.channel](message, context)
        except ProviderUnavailable as error:
            if message.attempts >= MAX_ATTEMPTS:
                return _finish(message, MessageStatus.FAILED, f"Gave up after {message.attempts} attempts: {error}")
            message.reason, message.queued_at = str(error)[:300], timezone.now()
            message.save(update_fields=["attempts", "reason", "queued_at"])
            delay = error.retry_after if error.retry_after is not None else retry_delay(message.attempts)
            return DeliveryResult(message.status, delay)
        except ProviderRefused as error:
            return _finish(message, MessageStatus.FAILED, str(error))
        return _finish(message, MessageStatus.SENT, sent=sent)


def deliver_message(*, message_id: int) -> DeliveryResult:
    """Send one queued message through its channel and log the outcome; a message another worker holds, or one
    already sent, is left alone (a redelivered task sends nothing twice)."""
    context = DeliveryContext()
    try:
        return _deliver(message_id, _queued_messages([message_id]).get(message_id), context)
    finally:
        context.close()


def deliver_messages(*, message_ids: Sequence[int], holds: int = 0) -> dict[int, DeliveryResult]:
    """deliver_message for a batch (the messaging.tasks.deliver_messages task): the chain, its settings and one
    email connection shared, each message's outcome committed on its own (same status machine). A message whose
    provider was unavailable is retried alone with its back-off (the deliver_message task, counted attempts).
    While the tills are busy the batch's marketing messages are queued again for later, still queued
    (messaging.pacing; `holds`: how often they were held already), and only the rest go now."""
    context = DeliveryContext()
    results: dict[int, DeliveryResult] = {}
    messages = _queued_messages(message_ids)
    marketing = [message_id for message_id in message_ids if (m := messages.get(message_id)) and m.is_marketing]
    if marketing and holds_back(holds):
        countdown = hold_seconds(MESSAGE_HOLD_SECONDS, holds)
        enqueue_after_commit(DELIVER_BATCH_TASK, countdown=countdown, message_ids=marketing, holds=holds + 1)
        held = set(marketing)
        message_ids = [message_id for message_id in message_ids if message_id not in held]
    try:
        for message_id in message_ids:
            result = _deliver(message_id, messages.get(message_id), context)
            results[message_id] = result
            if result.retry_after is not None:
                enqueue_after_commit(DELIVER_TASK, countdown=result.retry_after, message_id=message_id)
    finally:
        context.close()
    return results


# --- Tracking, suppression and unsubscribing ----------------------------------------------------------------


def suppress_email(*, address: str, reason: str) -> bool:
    """No more email to `address` in this chain; True when it was not suppressed before."""
    address = address.strip().lower()
    if not address:
        return False
    _row, created = EmailSuppression.objects.get_or_create(address=address, defaults={"reason": reason})
    if created:
        record_audit(action="messaging.email_suppressed", actor=None, data={"address": address, "reason": reason})
    return created


# What a tracking event does to the message: the status it moves to, from which statuses.
_DELIVERED_FROM = {MessageStatus.QUEUED, MessageStatus.SENT}


@transaction.atomic
def record_email_event(
    *,
    event_type: str,
    provider_message_id: str,
    metadata: dict[str, Any],
    description: str = "",
    timestamp: datetime.datetime | None = None,
) -> Message | None:
    """One tracking event of the email provider (anymail's normalized `event_type`) about one of this chain's
    messages: delivered, bounced (a hard bounce: anymail reports soft ones as deferred), complained, unsubscribed,
    opened and clicked (the first of each is kept; a click is also an open, as a mail client that blocks the
    tracking pixel still lets the guest click; neither changes the delivery status).
    An event naming another chain (its metadata) or a message this chain never sent changes nothing."""
    chain = metadata.get("chain")
    if (chain and chain != current_schema_name()) or not provider_message_id:
        return None
    message = (
        Message.objects.select_for_update()
        .select_related("guest")
        .filter(channel=Channel.EMAIL, provider_message_id=provider_message_id)
        .first()
    )
    if message is None:
        return None
    when = timestamp or timezone.now()
    if event_type == "delivered" and message.status in _DELIVERED_FROM:
        message.status, message.delivered_at = MessageStatus.DELIVERED, when
        message.save(update_fields=["status", "delivered_at"])
    elif event_type in {"bounced", "complained"}:
        bounced = event_type == "bounced"
        message.status = MessageStatus.BOUNCED if bounced else MessageStatus.COMPLAINED
        message.reason = (description or message.reason)[:300]
        message.save(update_fields=["status", "reason"])
        GUEST_MESSAGES.labels(channel=Channel.EMAIL.value, outcome=str(message.status)).inc()
        if bounced:
            emit_after_commit(messages_failed, sender=Message, messages=[message])
        suppress_email(
            address=message.recipient,
            reason=SuppressionReason.BOUNCED if bounced else SuppressionReason.COMPLAINED,
        )
    elif event_type in {"opened", "clicked"}:
        _record_engagement(message, clicked=event_type == "clicked", when=when)
    elif event_type == "unsubscribed" and not message.guest.is_erased:
        set_consent(guest=message.guest, channel=Channel.EMAIL, given=False, source=PROVIDER_UNSUBSCRIBE)
    return message


def _record_engagement(message: Message, *, clicked: bool, when: datetime.datetime) -> None:
    """Keep the earliest moment of each: providers retry webhooks and may deliver them out of order."""
    changed = []
    if message.opened_at is None or when < message.opened_at:
        message.opened_at = when
        changed.append("opened_at")
    if clicked and (message.clicked_at is None or when < message.clicked_at):
        message.clicked_at = when
        changed.append("clicked_at")
    if changed:
        message.save(update_fields=changed)


def guest_of_unsubscribe_link(token: str) -> Guest:
    """The guest an unsubscribe link of this chain names; UnsubscribeLinkInvalid for any other token."""
    guest_id = guest_of_token(token, schema_name=current_schema_name())
    guest = Guest.objects.filter(pk=guest_id).first() if guest_id is not None else None
    if guest is None or guest.is_erased:
        raise UnsubscribeLinkInvalid()
    return guest


@transaction.atomic
def unsubscribe_by_link(*, token: str) -> Guest:
    """The guest clicked the unsubscribe link (or their mail client posted it, RFC 8058): email consent withdrawn
    now, recorded with its source."""
    guest = guest_of_unsubscribe_link(token)
    return set_consent(guest=guest, channel=Channel.EMAIL, given=False, source=UNSUBSCRIBE_LINK)


# --- Preferences and settings ---------------------------------------------------------------------------------


@transaction.atomic
def set_preferred_channel(
    *, guest: Guest, channel: str, actor: User | None = None, source: str = ""
) -> ChannelPreference:
    """The channel the guest asked to hear from the chain through (first tried when consented and reachable);
    `source` says where the guest said so when no staff member acted (the email's preferences link)."""
    if channel not in Channel.values:
        raise UnknownChannel(fields={"channel": [str(UnknownChannel.message)]})
    preference, _created = ChannelPreference.objects.update_or_create(guest=guest, defaults={"channel": channel})
    data = {"channel": channel, **({"source": source} if source else {})}
    record_audit(action="guest.channel_preferred", actor=actor, target=guest, data=data)
    return preference


@transaction.atomic
def prefer_channel_by_link(*, token: str, channel: str) -> ChannelPreference:
    """The guest chose their channel on the page of their email's signed link."""
    guest = guest_of_unsubscribe_link(token)
    return set_preferred_channel(guest=guest, channel=channel, source=UNSUBSCRIBE_LINK)


SETTINGS_FIELDS = (
    "quiet_hours_start",
    "quiet_hours_end",
    "marketing_per_day",
    "marketing_per_week",
    "channel_order",
    "email_sender_name",
    "email_sender_address",
)


@transaction.atomic
def update_messaging_settings(*, actor: User, **values: Any) -> MessagingSettings:
    """The chain's quiet hours, caps, channel order and email sender, audited as old → new."""
    row = MessagingSettings.objects.select_for_update().get(pk=messaging_settings().pk)
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not a messaging setting: {', '.join(sorted(unknown))}")
    order = values.get("channel_order")
    if order is not None and (not order or set(order) - set(Channel.values) or len(set(order)) != len(order)):
        raise UnknownChannel(fields={"channel_order": [str(UnknownChannel.message)]})
    before = {field: getattr(row, field) for field in values}
    for field, value in values.items():
        setattr(row, field, value)
    row.save()
    changes = changes_between(before, {field: getattr(row, field) for field in values})
    if changes:
        record_audit(action="messaging.settings_changed", actor=actor, target=row, changes=changes)
    return row


@transaction.atomic
def set_sms_provider(
    *, actor: User, provider: str, credentials: dict[str, str], sender_name: str = ""
) -> MessagingSettings:
    """The chain's SMS provider ("" turns SMS off), its credentials encrypted at rest (maxloyalty.encryption, like
    the bot token) and never written to the audit log, and the sender name registered with the operators.

    Secrets are write-only: a credential given empty keeps the stored one (same provider). SMS.ru gets a fresh
    callback token (new_callback_token) the first time it is chosen: its status callback URL carries it."""
    if provider not in SmsProvider.values:
        raise UnknownChannel(fields={"sms_provider": [str(UnknownChannel.message)]})
    row = MessagingSettings.objects.select_for_update().get(pk=messaging_settings().pk)
    before = {"sms_provider": row.sms_provider, "sms_sender_name": row.sms_sender_name}
    keys = CREDENTIAL_KEYS.get(provider, ())
    kept = sms_credentials(row) if row.sms_provider == provider else {}
    given = {key: value for key, value in credentials.items() if value and key in keys}
    stored = {key: value for key, value in {**kept, **given}.items() if key in keys}
    if provider == SmsProvider.SMSRU and not stored.get("callback_token"):
        stored["callback_token"] = new_callback_token()
    row.sms_provider, row.sms_sender_name = provider, sender_name
    row.sms_credentials_encrypted = encrypt_json(stored) if provider else ""
    if provider:
        provider_for(sms_config(row))  # SmsConfigInvalid (422) naming each missing field; nothing saved
    row.save()
    record_audit(
        action="messaging.sms_provider_set",
        actor=actor,
        target=row,
        changes=changes_between(before, {"sms_provider": provider, "sms_sender_name": sender_name}),
        data={"credentials": sorted(given) if provider else []},  # which fields were set, not their values
    )
    if provider == SmsProvider.SMSRU:
        enqueue_after_commit(REGISTER_SMS_CALLBACK_TASK)
    return row


# --- Message templates ----------------------------------------------------------------------------------------


def templated_content(kind: str, extra_for: Callable[[Guest], dict[str, Any] | None]) -> ContentForGuest:
    """Content made from the chain's template of `kind` (or the default) in each guest's language, rendered for the
    channel chosen with the guest's values and `extra_for(guest)` (the kind's own variables): for send_to_guests'
    `content_for` (a batch's guests) and send_templated's. The chain's name and each language's template are read
    once, when a guest first needs them."""
    templates: dict[str, TemplateTexts] = {}
    name: list[str] = []

    def content_for(guest: Guest, channel: str) -> MessageContent:
        language = template_language(guest.language)
        if language not in templates:
            templates[language] = message_template(kind=kind, language=language)
        if not name:
            name.append(chain_name())
        context = guest_context(guest, chain_name=name[0], extra=extra_for(guest))
        content = render_for_channel(templates[language], channel, context)
        return MessageContent(text=content.text, subject=content.subject, html=content.html)

    return content_for


def send_templated(
    *,
    guest: Guest,
    kind: str,
    dedupe_key: str,
    extra_context: dict[str, Any] | None = None,
    allowed_channels: Collection[str] | None = None,
    is_marketing: bool | None = None,
    now: datetime.datetime | None = None,
) -> Message:
    """send_to_guest with the chain's template of `kind` (or the default) in the guest's language, rendered for the
    channel chosen (among `allowed_channels`, an automation's), with the guest's values and `extra_context` (the
    kind's own variables)."""

    content_for_guest = templated_content(kind, lambda _guest: extra_context)

    def content_for(channel: str) -> MessageContent:
        return content_for_guest(guest, channel)

    return send_to_guest(
        guest=guest,
        kind=kind,
        dedupe_key=dedupe_key,
        content_for=content_for,
        allowed_channels=allowed_channels,
        is_marketing=is_marketing,
        now=now,
    )


def send_templated_to_guest(
    *, guest_id: int, kind: str, dedupe_key: str, extra_context: dict[str, Any]
) -> Message | None:
    """send_templated for a service message (not marketing) handed over by id; None when the guest is gone."""
    guest = Guest.objects.filter(pk=guest_id).first()
    if guest is None:
        return None
    return send_templated(
        guest=guest, kind=kind, dedupe_key=dedupe_key, extra_context=extra_context, is_marketing=False
    )


@transaction.atomic
def save_message_template(*, actor: User, kind: str, language: str, texts: dict[str, str]) -> MessageTemplate:
    """The chain's own wording of `kind` in `language`: every field checked (an unknown variable is a
    ValidationFailed naming the field, nothing saved), audited as old → new. A field left empty keeps the default."""
    current = message_template(kind=kind, language=language)  # UnknownTemplate for a kind or language not offered
    unknown = set(texts) - set(TEMPLATE_FIELDS)
    if unknown:
        raise ValueError(f"Not a template field: {', '.join(sorted(unknown))}")
    check_texts(texts, kind=kind)
    row, _created = MessageTemplate.objects.select_for_update().get_or_create(kind=kind, language=language)
    before = {field: getattr(row, field) for field in texts}
    for field, text in texts.items():
        setattr(row, field, text)
    row.save()
    changes = changes_between(before, {field: getattr(row, field) for field in texts})
    record_audit(
        action="messaging.template_saved",
        actor=actor,
        target=row,
        changes=changes,
        data={"kind": kind, "language": language, "was_custom": current.is_custom},
    )
    return row


@transaction.atomic
def reset_message_template(*, actor: User, kind: str, language: str) -> bool:
    """Back to the built-in default: the chain's own wording deleted (audited); False when it had none."""
    message_template(kind=kind, language=language)  # UnknownTemplate for a kind or language not offered
    row = MessageTemplate.objects.select_for_update().filter(kind=kind, language=language).first()
    if row is None:
        return False
    record_audit(
        action="messaging.template_reset",
        actor=actor,
        target=row,
        data={"kind": kind, "language": language},
    )
    row.delete()
    return True
