"""Twilio through its official library: sending, status callbacks and STOP replies, each callback signature-checked.

- Sending: `Client(account_sid, auth_token, http_client=...)`; `settings.TWILIO_API_BASE` (empty: the real Twilio)
  rewrites every `https://*.twilio.com` address so tests reach a local fake. A sender starting with `MG` is a
  Messaging Service; anything else is a number or an alphanumeric sender ID.
- Errors (https://www.twilio.com/docs/api/errors): 21211/21614 invalid number, 21610 the recipient replied STOP
  (an opt-out), 20003 refused credentials, 21606/21659/21212 a sender this account may not use: permanent;
  429 and 5xx and no answer at all: temporary.
- Callbacks carry `X-Twilio-Signature` (HMAC-SHA1 of the full URL and the sorted POST parameters with the auth
  token), checked by `twilio.request_validator.RequestValidator`. Status callbacks give MessageSid, MessageStatus
  and ErrorCode; inbound messages give From and Body, and OptOutType=STOP when Twilio's opt-out handling matched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from messaging.sms.parts import count_parts
from messaging.sms.providers.base import (
    REQUEST_TIMEOUT_SECONDS,
    CallbackReply,
    DeliveryStatus,
    FailureReason,
    InvalidCallbackSignature,
    ProviderName,
    SmsConfig,
    SmsPermanentError,
    SmsSent,
    SmsStatus,
    SmsTemporaryError,
    e164,
    header,
    param,
)
from messaging.sms.providers.connections import ClientCache

# Twilio's default opt-out keywords, matched on the whole message, case-insensitively
# (https://www.twilio.com/docs/messaging/tutorials/advanced-opt-out, https://help.twilio.com/articles/223134027).
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})

OPTED_OUT_CODE = 21610
_INVALID_NUMBER_CODES = frozenset({21211, 21614, 21217, 21401, 21407})
_SENDER_CODES = frozenset({21212, 21606, 21659, 21660})
_AUTH_CODES = frozenset({20003, 20005})
_STATUS = {
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.FAILED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}
_TWILIO_HOST = re.compile(r"^https://(?:[A-Za-z0-9-]+\.)*twilio\.com(?=/|$)")
_EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class ApiBaseHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client, sending to `base_url` instead of *.twilio.com when one is set."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, /, *args: Any, **kwargs: Any) -> Response:
        if self.base_url:
            url = _TWILIO_HOST.sub(self.base_url, url)
        return super().request(method, url, *args, **kwargs)


def _close(client: Client) -> None:
    http_client = client.http_client
    if isinstance(http_client, TwilioHttpClient) and http_client.session is not None:
        http_client.session.close()


_clients: ClientCache[Client] = ClientCache(close=_close)


class TwilioProvider:
    name = ProviderName.TWILIO
    callback_reply = CallbackReply(content_type="text/xml", body=_EMPTY_TWIML)

    def __init__(self, config: SmsConfig) -> None:
        self.config = config

    def _client(self) -> Client:
        base_url = settings.TWILIO_API_BASE
        sid, token = self.config.twilio_account_sid, self.config.twilio_auth_token
        return _clients.get(
            (base_url, sid, token),
            lambda: Client(sid, token, http_client=ApiBaseHttpClient(base_url, REQUEST_TIMEOUT_SECONDS)),
        )

    def send(self, *, to: str, text: str, sender: str = "", status_callback_url: str = "") -> SmsSent:
        sender = sender or self.config.sender
        arguments: dict[str, Any] = {"to": e164(to), "body": text}
        if sender.startswith("MG"):
            arguments["messaging_service_sid"] = sender
        else:
            arguments["from_"] = sender
        if status_callback_url:
            arguments["status_callback"] = status_callback_url
        try:
            message = self._client().messages.create(**arguments)
        except TwilioRestException as error:
            raise _classified(error) from None
        except requests.RequestException as error:
            raise SmsTemporaryError(FailureReason.NETWORK, detail=type(error).__name__) from None
        # Twilio counts the parts it bills, but answers 0 while a Messaging Service has not yet picked the sender.
        segments = str(message.num_segments or "")
        parts = (int(segments) if segments.isdigit() else 0) or count_parts(text).parts
        return SmsSent(provider_message_id=str(message.sid), parts=parts)

    def callback_url(self, url: str) -> str:
        return url  # the signature proves the origin; the URL needs no secret

    def status_update(
        self, *, method: str, url: str, params: Mapping[str, Any], headers: Mapping[str, str]
    ) -> list[SmsStatus]:
        self._verify(method=method, url=url, params=params, headers=headers)
        message_id = param(params, "MessageSid") or param(params, "SmsSid")
        raw_status = (param(params, "MessageStatus") or param(params, "SmsStatus")).lower()
        if not message_id or not raw_status:
            return []
        error_code = param(params, "ErrorCode")
        status = _STATUS.get(raw_status, DeliveryStatus.SENT)
        opted_out = status == DeliveryStatus.FAILED and error_code == str(OPTED_OUT_CODE)
        return [SmsStatus(message_id, status, error_code=error_code, opted_out=opted_out)]

    def stop_replies(
        self, *, method: str, url: str, params: Mapping[str, Any], headers: Mapping[str, str]
    ) -> list[str]:
        self._verify(method=method, url=url, params=params, headers=headers)
        sender = param(params, "From")
        keyword = " ".join(param(params, "Body").split()).upper()
        if not sender or (param(params, "OptOutType").upper() != "STOP" and keyword not in OPT_OUT_KEYWORDS):
            return []
        try:
            return [e164(sender)]
        except SmsPermanentError:  # not a phone number (a short code): no guest to opt out
            return []

    def _verify(self, *, method: str, url: str, params: Mapping[str, Any], headers: Mapping[str, str]) -> None:
        """A GET callback is signed over its URL (query included) alone; a POST over the URL and its form."""
        signature = header(headers, "X-Twilio-Signature")
        signed_params = {} if method.upper() == "GET" else params
        token = self.config.twilio_auth_token
        if not (signature and token and RequestValidator(token).validate(url, signed_params, signature)):
            raise InvalidCallbackSignature()


def _classified(error: TwilioRestException) -> SmsPermanentError | SmsTemporaryError:
    code = int(error.code) if error.code else None
    detail = str(error.msg or "")[:200]
    provider_code = str(code or error.status)
    if error.status == 429 or error.status >= 500 or code == 20429:
        limited = error.status == 429 or code == 20429
        reason = FailureReason.RATE_LIMITED if limited else FailureReason.PROVIDER_UNAVAILABLE
        return SmsTemporaryError(reason, provider_code=provider_code, detail=detail)
    if code == OPTED_OUT_CODE:
        reason = FailureReason.OPTED_OUT
    elif code in _INVALID_NUMBER_CODES:
        reason = FailureReason.INVALID_NUMBER
    elif code in _AUTH_CODES or error.status == 401:
        reason = FailureReason.AUTH_FAILED
    elif code in _SENDER_CODES:
        reason = FailureReason.SENDER_NOT_ALLOWED
    else:
        reason = FailureReason.REJECTED
    return SmsPermanentError(reason, provider_code=provider_code, detail=detail)
