"""The one small interface every SMS provider implements, and the values and refusals it speaks in.

A provider sends one text to one number (`send`), reads the provider's delivery-status callbacks (`status_update`)
and its inbound replies that opt a number out (`stop_replies`), each callback checked first (a signature, or a secret
token in the URL we gave the provider). Providers turn payloads into these typed values and never touch the
database: the messaging app stores the results.
"""

from __future__ import annotations

import enum
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _

from guests.errors import MalformedPhone
from guests.phones import normalize_phone
from maxloyalty.errors import DomainError

# How long one call to a provider may take; the sending task retries a timeout like any temporary failure.
REQUEST_TIMEOUT_SECONDS = 10.0


class ProviderName(enum.StrEnum):
    TWILIO = "twilio"
    SMSRU = "smsru"


class DeliveryStatus(enum.StrEnum):
    SENT = "sent"  # accepted and on its way (queued, sending, sent to the operator)
    DELIVERED = "delivered"  # the handset has it
    FAILED = "failed"  # final: it will not arrive


class FailureReason(enum.StrEnum):
    # Permanent: sending the same text to the same number again would fail again.
    INVALID_NUMBER = "invalid_number"
    OPTED_OUT = "opted_out"  # the recipient replied STOP, or the number is on the account's stop list
    AUTH_FAILED = "auth_failed"  # the chain's credentials were refused
    SENDER_NOT_ALLOWED = "sender_not_allowed"  # the sender name or number is not registered for this account
    INSUFFICIENT_FUNDS = "insufficient_funds"
    REJECTED = "rejected"  # any other refusal of this message
    # Temporary: worth retrying later.
    RATE_LIMITED = "rate_limited"
    PROVIDER_UNAVAILABLE = "provider_unavailable"  # 5xx, or the provider says it is down
    NETWORK = "network"  # no answer: connection refused, reset or timed out


# What the owner reads in the delivery log for each reason.
FAILURE_MESSAGES = {
    FailureReason.INVALID_NUMBER: _("This phone number cannot receive SMS."),
    FailureReason.OPTED_OUT: _("The guest has unsubscribed from SMS."),
    FailureReason.AUTH_FAILED: _("The SMS provider refused the chain's credentials: check the SMS settings."),
    FailureReason.SENDER_NOT_ALLOWED: _("The sender is not registered with the SMS provider for this account."),
    FailureReason.INSUFFICIENT_FUNDS: _("The SMS provider account has run out of money."),
    FailureReason.REJECTED: _("The SMS provider refused the message."),
    FailureReason.RATE_LIMITED: _("The SMS provider asked to slow down; the message will be sent again."),
    FailureReason.PROVIDER_UNAVAILABLE: _("The SMS provider is unavailable; the message will be sent again."),
    FailureReason.NETWORK: _("The SMS provider could not be reached; the message will be sent again."),
}


@dataclass(frozen=True)
class SmsConfig:
    """A chain's SMS settings, stored by the messaging app. Secrets stay out of repr (and so out of logs)."""

    provider: str
    sender: str = ""
    twilio_account_sid: str = ""
    twilio_auth_token: str = field(default="", repr=False)
    smsru_api_id: str = field(default="", repr=False)
    # SMS.ru does not sign its callbacks: the handler URL we register carries this secret (new_callback_token()).
    callback_token: str = field(default="", repr=False)


@dataclass(frozen=True)
class SmsSent:
    provider_message_id: str
    parts: int


@dataclass(frozen=True)
class SmsStatus:
    provider_message_id: str
    status: DeliveryStatus
    error_code: str = ""
    opted_out: bool = False  # the failure means the recipient opted out (Twilio 21610)


@dataclass(frozen=True)
class CallbackReply:
    """What the callback view answers: some providers retry until they read a particular body."""

    content_type: str
    body: str


class SmsError(Exception):
    """A send failed. `reason` says why in our words, `provider_code` and `detail` in the provider's."""

    def __init__(self, reason: FailureReason, *, provider_code: str = "", detail: str = "") -> None:
        self.reason = reason
        self.provider_code = provider_code
        self.detail = detail
        super().__init__(f"{reason}: {provider_code} {detail}".strip())

    @property
    def message(self) -> str:
        """The reason in the owner's words (translated)."""
        return str(FAILURE_MESSAGES[self.reason])


class SmsTemporaryError(SmsError):
    """Retry with backoff: network errors, timeouts, 429 and other rate limits, 5xx."""


class SmsPermanentError(SmsError):
    """Do not retry: an invalid number, an opted-out recipient, refused credentials or sender, any other refusal."""

    @property
    def opted_out(self) -> bool:
        return self.reason == FailureReason.OPTED_OUT


class InvalidCallbackSignature(DomainError):
    code, status, message = "invalid_signature", 403, _("The request's signature is not valid.")


class SmsConfigInvalid(DomainError):
    code, status, message = "sms_config_invalid", 422, _("The SMS settings are incomplete.")


class SmsProvider(Protocol):
    name: ProviderName
    callback_reply: CallbackReply

    def send(self, *, to: str, text: str, sender: str = "", status_callback_url: str = "") -> SmsSent:
        """Send `text` to `to` (any spelling; sent as E.164) from `sender` (the config's when empty)."""
        ...

    def callback_url(self, url: str) -> str:
        """The address to give the provider for its callbacks, built from our view's absolute `url`."""
        ...

    def status_update(
        self, *, method: str, url: str, params: Mapping[str, Any], headers: Mapping[str, str]
    ) -> list[SmsStatus]:
        """The delivery statuses a callback reports; InvalidCallbackSignature when it does not prove its origin."""
        ...

    def stop_replies(
        self, *, method: str, url: str, params: Mapping[str, Any], headers: Mapping[str, str]
    ) -> list[str]:
        """The E.164 numbers an inbound-message callback opts out (STOP and its synonyms); [] for other replies."""
        ...


def new_callback_token() -> str:
    """A fresh secret for a chain's callback URL (SMS.ru)."""
    return secrets.token_urlsafe(32)


def tokens_match(given: str, expected: str) -> bool:
    """Constant-time comparison; an unset expected token matches nothing."""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def e164(phone: str) -> str:
    """The number as E.164 (guests.phones); an unusable one is a permanent failure of this send."""
    try:
        return normalize_phone(phone)
    except MalformedPhone as error:
        raise SmsPermanentError(FailureReason.INVALID_NUMBER, detail=str(error)) from None


def param_values(params: Mapping[str, Any], name: str) -> list[str]:
    """Every value of a form parameter, from a QueryDict (request.POST) or a plain mapping of strings or lists."""
    getlist = getattr(params, "getlist", None)
    if getlist is not None:
        return [str(value) for value in getlist(name)]
    value = params.get(name)
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [str(value)]


def param(params: Mapping[str, Any], name: str) -> str:
    values = param_values(params, name)
    return values[-1] if values else ""


def header(headers: Mapping[str, str], name: str) -> str:
    """A header's value, whatever the case of its name in the mapping (request.headers, a plain dict)."""
    wanted = name.lower()
    return next((str(value) for key, value in headers.items() if key.lower() == wanted), "")
