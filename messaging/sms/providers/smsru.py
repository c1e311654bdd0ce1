"""SMS.ru over its public HTTP API (https://sms.ru/api): sending, delivery-status callbacks, the callback handler.

- Every call is a form POST to `settings.SMSRU_API_BASE` (default https://sms.ru) with the chain's `api_id` in the
  body (never in the URL, so no log line holds it) and `json=1`. `sms/send` answers a top-level status, and one
  status per number under `sms`, keyed by the number without "+": `{"status": "OK", "sms_id": ...}` or
  `{"status": "ERROR", "status_code": 207, "status_text": ...}`.
- Status codes: 100-102 on the way, 103 delivered (110 read), 104-108 and 150 failed. Refusals: 200/300/301/302
  credentials, 201 no money, 202/207 a number that cannot receive, 204 a sender the operators have not approved,
  209 the number is on the account's stop list (an opt-out); 206 and 230-233 limits and 220/5xx outages are worth
  retrying.
- Callbacks: SMS.ru POSTs to the handler URLs registered on the account (`callback/add`), form fields `data[N]`, each
  lines joined by "\\n": `sms_status`, the sms_id, the status code, a unix time. The handler must answer `100`, or
  SMS.ru sends again. SMS.ru does not sign callbacks, so the URL we register carries the chain's secret
  `callback_token` as `?token=` (redacted in logs by maxloyalty.log_redaction), compared in constant time.
- SMS.ru forwards no inbound replies to letter senders: opt-outs arrive only as code 209 when sending.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from messaging.sms.parts import count_parts
from messaging.sms.providers.base import (
    REQUEST_TIMEOUT_SECONDS,
    CallbackReply,
    DeliveryStatus,
    FailureReason,
    InvalidCallbackSignature,
    ProviderName,
    SmsConfig,
    SmsConfigInvalid,
    SmsPermanentError,
    SmsSent,
    SmsStatus,
    SmsTemporaryError,
    e164,
    param_values,
    tokens_match,
)
from messaging.sms.providers.connections import ClientCache

TOKEN_PARAMETER = "token"  # noqa: S105 (the name of the query parameter, not a token)
DEFAULT_API_BASE = "https://sms.ru"

_DELIVERED = frozenset({103, 110})
_ON_THE_WAY = frozenset({100, 101, 102})
_FAILED = frozenset({104, 105, 106, 107, 108, 150})
_PERMANENT = {
    200: FailureReason.AUTH_FAILED,
    300: FailureReason.AUTH_FAILED,
    301: FailureReason.AUTH_FAILED,
    302: FailureReason.AUTH_FAILED,
    201: FailureReason.INSUFFICIENT_FUNDS,
    202: FailureReason.INVALID_NUMBER,
    207: FailureReason.INVALID_NUMBER,
    204: FailureReason.SENDER_NOT_ALLOWED,
    209: FailureReason.OPTED_OUT,
}
_RATE_LIMITS = frozenset({206, 230, 231, 232, 233})

_clients: ClientCache[httpx.Client] = ClientCache(close=httpx.Client.close)


class SmsRuProvider:
    name = ProviderName.SMSRU
    callback_reply = CallbackReply(content_type="text/plain", body="100")

    def __init__(self, config: SmsConfig) -> None:
        self.config = config

    def send(self, *, to: str, text: str, sender: str = "", status_callback_url: str = "") -> SmsSent:
        """`status_callback_url` is not used: SMS.ru calls the handlers registered on the account."""
        number = e164(to).removeprefix("+")
        form = {"to": number, "msg": text}
        if sender or self.config.sender:
            form["from"] = sender or self.config.sender
        answer = self._call("sms/send", form)
        results = answer.get("sms")
        results = results if isinstance(results, dict) else {}
        result = results.get(number) or (next(iter(results.values())) if len(results) == 1 else None)
        if not isinstance(result, dict):
            raise SmsTemporaryError(FailureReason.PROVIDER_UNAVAILABLE, detail="no result for the number")
        if result.get("status") != "OK" or not result.get("sms_id"):
            raise _refusal(result)
        return SmsSent(provider_message_id=str(result["sms_id"]), parts=count_parts(text).parts)

    def register_status_callback(self, url: str) -> list[str]:
        """Adds our handler (with its token) to the account's callback handlers; returns the account's list."""
        answer = self._call("callback/add", {"url": self.callback_url(url)})
        return [str(item) for item in answer.get("callback") or []]

    def callback_url(self, url: str) -> str:
        if not self.config.callback_token:
            raise SmsConfigInvalid(fields={"callback_token": [str(_("SMS.ru callbacks need a secret token."))]})
        scheme, netloc, path, query, fragment = urlsplit(url)
        pairs = [(key, value) for key, value in parse_qsl(query) if key != TOKEN_PARAMETER]
        pairs.append((TOKEN_PARAMETER, self.config.callback_token))
        return urlunsplit((scheme, netloc, path, urlencode(pairs), fragment))

    def status_update(
        self, *, method: str, url: str, params: Mapping[str, Any], headers: Mapping[str, str]
    ) -> list[SmsStatus]:
        self._verify(url)
        statuses = []
        for entry in _data_entries(params):
            lines = [line.strip() for line in entry.splitlines()]
            if len(lines) < 3 or lines[0] != "sms_status" or not lines[1]:
                continue  # another kind of notice (call checks), or a malformed line
            try:
                code = int(lines[2])
            except ValueError:
                continue
            if code in _DELIVERED:
                statuses.append(SmsStatus(lines[1], DeliveryStatus.DELIVERED))
            elif code in _ON_THE_WAY:
                statuses.append(SmsStatus(lines[1], DeliveryStatus.SENT))
            elif code in _FAILED:
                statuses.append(SmsStatus(lines[1], DeliveryStatus.FAILED, error_code=str(code)))
        return statuses

    def stop_replies(
        self, *, method: str, url: str, params: Mapping[str, Any], headers: Mapping[str, str]
    ) -> list[str]:
        self._verify(url)
        return []  # see the module docstring: opt-outs come back as code 209 when sending

    def _verify(self, url: str) -> None:
        given = dict(parse_qsl(urlsplit(url).query)).get(TOKEN_PARAMETER, "")
        if not tokens_match(given, self.config.callback_token):
            raise InvalidCallbackSignature()

    def _call(self, method: str, form: dict[str, str]) -> dict[str, Any]:
        base = settings.SMSRU_API_BASE or DEFAULT_API_BASE
        data = {"api_id": self.config.smsru_api_id, "json": "1", **form}
        client = _clients.get(base, lambda: httpx.Client(timeout=REQUEST_TIMEOUT_SECONDS))
        try:
            response = client.post(f"{base.rstrip('/')}/{method}", data=data)
        except httpx.HTTPError as error:
            raise SmsTemporaryError(FailureReason.NETWORK, detail=type(error).__name__) from None
        if response.status_code == 429:
            raise SmsTemporaryError(FailureReason.RATE_LIMITED, provider_code="429")
        if response.status_code >= 500:
            raise SmsTemporaryError(FailureReason.PROVIDER_UNAVAILABLE, provider_code=str(response.status_code))
        if response.status_code != 200:
            raise SmsPermanentError(FailureReason.REJECTED, provider_code=str(response.status_code))
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise SmsTemporaryError(FailureReason.PROVIDER_UNAVAILABLE, detail="the answer is not JSON")
        if answer.get("status") != "OK":
            raise _refusal(answer)
        return answer


def _refusal(result: Mapping[str, Any]) -> SmsPermanentError | SmsTemporaryError:
    try:
        code = int(result.get("status_code") or 0)
    except (TypeError, ValueError):
        code = 0
    detail = str(result.get("status_text") or "")[:200]
    if code in _RATE_LIMITS:
        return SmsTemporaryError(FailureReason.RATE_LIMITED, provider_code=str(code), detail=detail)
    if code == 220 or code >= 500:
        return SmsTemporaryError(FailureReason.PROVIDER_UNAVAILABLE, provider_code=str(code), detail=detail)
    reason = _PERMANENT.get(code, FailureReason.REJECTED)
    return SmsPermanentError(reason, provider_code=str(code), detail=detail)


def _data_entries(params: Mapping[str, Any]) -> list[str]:
    """The `data[]` fields, however the form names them: data[0], data[1] ... or data[] repeated."""
    keys = [key for key in params if key == "data" or (key.startswith("data[") and key.endswith("]"))]
    return [value for key in keys for value in param_values(params, key)]
