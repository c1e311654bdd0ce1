"""SMS writes of messaging: one message sent through the chain's provider, the providers' delivery statuses and
STOP replies taken in, consent withdrawn for numbers that opted out.

The chain's SmsConfig comes from MessagingSettings (provider, sender, decrypted credentials); the providers live in
the messaging.sms library (docs/sms-providers.md). messaging.services._send_sms calls `send_sms_message`, the
callback views (messaging.sms_views) call `record_sms_statuses` and `opt_out_numbers`; saving SMS.ru as the provider
queues `register_status_callback` (SMS.ru calls the handlers registered on the account). Every callback runs in the
schema of the host it reached, so it can only find, and change, that chain's messages and guests.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from guests.errors import MalformedPhone
from guests.models import Guest
from guests.phones import normalize_phone
from guests.services import set_consent
from maxloyalty.current_schema import current_schema_name
from maxloyalty.events import emit_after_commit
from messaging.errors import ProviderRefused, ProviderUnavailable
from messaging.events import messages_failed
from messaging.models import Channel, Message, MessageStatus, MessagingSettings
from messaging.selectors import messaging_settings, sms_credentials
from messaging.sms.parts import count_parts
from messaging.sms.providers import (
    DeliveryStatus,
    SmsConfig,
    SmsConfigInvalid,
    SmsPermanentError,
    SmsProvider,
    SmsSent,
    SmsStatus,
    SmsTemporaryError,
    provider_for,
)
from messaging.sms.providers.smsru import SmsRuProvider
from observability.metrics import GUEST_MESSAGES
from tenants.models import Chain

# The `source` of a consent withdrawn without a staff member: the provider's stop list, or a STOP reply.
PROVIDER_STOP_LIST = "SMS provider stop list"
STOP_REPLY = "SMS STOP reply"

# Credential keys kept (encrypted) in MessagingSettings.sms_credentials_encrypted, by provider.
CREDENTIAL_KEYS = {
    "twilio": ("account_sid", "auth_token"),
    "smsru": ("api_id", "callback_token"),
}


def sms_config(row: MessagingSettings | None = None) -> SmsConfig:
    """The chain's SmsConfig from its settings row and decrypted credentials."""
    row = row or messaging_settings()
    credentials = sms_credentials(row)
    return SmsConfig(
        provider=row.sms_provider,
        sender=row.sms_sender_name,
        twilio_account_sid=str(credentials.get("account_sid", "")),
        twilio_auth_token=str(credentials.get("auth_token", "")),
        smsru_api_id=str(credentials.get("api_id", "")),
        callback_token=str(credentials.get("callback_token", "")),
    )


def chain_provider(row: MessagingSettings | None = None) -> SmsProvider:
    """The provider of the current chain; SmsConfigInvalid when SMS is off or its settings are incomplete."""
    return provider_for(sms_config(row))


def status_callback_url() -> str:
    """Where the current chain's provider reports delivery statuses (on the chain's own host)."""
    chain = Chain.objects.filter(schema_name=current_schema_name()).first()
    base_url = chain.base_url if chain is not None else ""
    row = messaging_settings()
    name = "messaging:sms-smsru-status" if row.sms_provider == "smsru" else "messaging:sms-twilio-status"
    return f"{base_url}{reverse(name)}"


def register_status_callback() -> list[str]:
    """Give SMS.ru the chain's status callback URL (with its secret token): SMS.ru calls the handlers registered on
    the account, not a URL per message. The account's handlers after the call; [] for another provider."""
    provider = chain_provider()
    if not isinstance(provider, SmsRuProvider):
        return []
    return provider.register_status_callback(status_callback_url())


def send_sms_message(message: Message) -> tuple[str, SmsSent]:
    """Send `message` by SMS through the chain's provider: (provider name, what it answered). A temporary failure
    is ProviderUnavailable (retried), a refusal ProviderRefused with the owner-readable reason; a refusal because
    the guest opted out (Twilio 21610, SMS.ru stop list) also withdraws the guest's SMS consent."""
    try:
        provider = chain_provider()
    except SmsConfigInvalid as error:
        raise ProviderRefused(str(error.message)) from None
    url = status_callback_url()
    try:
        sent = provider.send(to=message.recipient, text=message.text_body, status_callback_url=url)
    except SmsTemporaryError as error:
        raise ProviderUnavailable(error.message) from None
    except SmsPermanentError as error:
        if error.opted_out:
            _withdraw_sms_consent(message.guest, source=PROVIDER_STOP_LIST)
        code = f" ({error.provider_code})" if error.provider_code else ""
        raise ProviderRefused(f"{error.message}{code}") from None
    if not sent.parts:
        sent = SmsSent(provider_message_id=sent.provider_message_id, parts=count_parts(message.text_body).parts)
    return str(provider.name), sent


def _withdraw_sms_consent(guest: Guest, *, source: str) -> None:
    if not guest.is_erased and guest.has_consent(Channel.SMS):
        set_consent(guest=guest, channel=Channel.SMS, given=False, source=source)


# What a provider's status does to the message, from which statuses.
_MOVES_FROM = {
    DeliveryStatus.DELIVERED: {MessageStatus.QUEUED, MessageStatus.SENT},
    DeliveryStatus.FAILED: {MessageStatus.QUEUED, MessageStatus.SENT},
}


@transaction.atomic
def record_sms_statuses(statuses: Iterable[SmsStatus]) -> list[Message]:
    """The provider's delivery statuses of this chain's SMS messages: delivered, or failed with the error code (an
    opt-out failure also withdraws SMS consent). A status of a message this chain never sent changes nothing."""
    changed = []
    for update in statuses:
        allowed_from = _MOVES_FROM.get(update.status)
        if allowed_from is None or not update.provider_message_id:
            continue
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("guest")
            .filter(channel=Channel.SMS, provider_message_id=update.provider_message_id)
            .first()
        )
        if message is None or message.status not in allowed_from:
            continue
        if update.status == DeliveryStatus.DELIVERED:
            message.status, message.delivered_at = MessageStatus.DELIVERED, timezone.now()
            message.save(update_fields=["status", "delivered_at"])
        else:
            message.status = MessageStatus.FAILED
            message.reason = f"Failed on delivery (error {update.error_code or 'unknown'})"[:300]
            message.save(update_fields=["status", "reason"])
            GUEST_MESSAGES.labels(channel=Channel.SMS.value, outcome=MessageStatus.FAILED.value).inc()
            emit_after_commit(messages_failed, sender=Message, messages=[message])
            if update.opted_out:
                _withdraw_sms_consent(message.guest, source=STOP_REPLY)
        changed.append(message)
    return changed


@transaction.atomic
def opt_out_numbers(numbers: Iterable[str]) -> list[Guest]:
    """Numbers that replied STOP: every guest of this chain with that phone loses SMS consent, audited as the
    guest's own action (no actor, the STOP reply as source)."""
    phones = set()
    for number in numbers:
        try:
            phones.add(normalize_phone(number))
        except MalformedPhone:
            continue
    guests = list(Guest.objects.filter(phone__in=phones)) if phones else []
    for guest in guests:
        _withdraw_sms_consent(guest, source=STOP_REPLY)
    return guests
