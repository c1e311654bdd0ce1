"""Twilio's status callbacks and inbound STOP replies: read only when X-Twilio-Signature proves them, then turned
into delivery statuses and opted-out numbers."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.http import QueryDict

from messaging.sms.providers import (
    DeliveryStatus,
    InvalidCallbackSignature,
    SmsConfig,
    SmsStatus,
    provider_for,
)
from messaging.sms.tests.fake_sms_providers import twilio_callback, twilio_signature

STATUS_URL = "https://alpha.maxloyalty.test/messaging/sms/twilio/status/"
INBOUND_URL = "https://alpha.maxloyalty.test/messaging/sms/twilio/inbound/"
MESSAGE_SID = "SM" + "a" * 32


def _status(config: SmsConfig, **fields: str) -> list[SmsStatus]:
    params = {"MessageSid": MESSAGE_SID, "AccountSid": config.twilio_account_sid, "To": "+79161234567", **fields}
    form, headers = twilio_callback(config.twilio_auth_token, STATUS_URL, params)
    return provider_for(config).status_update(method="POST", url=STATUS_URL, params=form, headers=headers)


def _reply(config: SmsConfig, body: str, **fields: str) -> list[str]:
    params = {"MessageSid": MESSAGE_SID, "From": "+79161234567", "To": "+15005550006", "Body": body, **fields}
    form, headers = twilio_callback(config.twilio_auth_token, INBOUND_URL, params)
    return provider_for(config).stop_replies(method="POST", url=INBOUND_URL, params=form, headers=headers)


@pytest.mark.parametrize(
    ("twilio_status", "status"),
    [
        ("queued", DeliveryStatus.SENT),
        ("sent", DeliveryStatus.SENT),
        ("delivered", DeliveryStatus.DELIVERED),
        ("read", DeliveryStatus.DELIVERED),
        ("undelivered", DeliveryStatus.FAILED),
        ("failed", DeliveryStatus.FAILED),
    ],
)
def test_a_signed_status_callback_gives_the_message_status(
    twilio_config: SmsConfig, twilio_status: str, status: DeliveryStatus
) -> None:
    assert _status(twilio_config, MessageStatus=twilio_status) == [SmsStatus(MESSAGE_SID, status)]


def test_a_failure_carries_twilios_error_code(twilio_config: SmsConfig) -> None:
    assert _status(twilio_config, MessageStatus="undelivered", ErrorCode="30003") == [
        SmsStatus(MESSAGE_SID, DeliveryStatus.FAILED, error_code="30003")
    ]


def test_a_failure_because_the_recipient_replied_stop_is_an_opt_out(twilio_config: SmsConfig) -> None:
    (status,) = _status(twilio_config, MessageStatus="failed", ErrorCode="21610")

    assert status.opted_out


def test_a_callback_with_a_changed_parameter_is_refused(twilio_config: SmsConfig) -> None:
    params = {"MessageSid": MESSAGE_SID, "MessageStatus": "failed"}
    _, headers = twilio_callback(twilio_config.twilio_auth_token, STATUS_URL, params)
    forged = QueryDict(urlencode({**params, "MessageStatus": "delivered"}))

    with pytest.raises(InvalidCallbackSignature) as refused:
        provider_for(twilio_config).status_update(method="POST", url=STATUS_URL, params=forged, headers=headers)

    assert refused.value.status == 403


def test_a_callback_signed_for_another_url_is_refused(twilio_config: SmsConfig) -> None:
    params = {"MessageSid": MESSAGE_SID, "MessageStatus": "delivered"}
    form, headers = twilio_callback(twilio_config.twilio_auth_token, STATUS_URL + "?chain=beta", params)

    with pytest.raises(InvalidCallbackSignature):
        provider_for(twilio_config).status_update(method="POST", url=STATUS_URL, params=form, headers=headers)


def test_a_callback_signed_with_another_accounts_token_is_refused(twilio_config: SmsConfig) -> None:
    params = {"MessageSid": MESSAGE_SID, "MessageStatus": "delivered"}
    form, headers = twilio_callback("auth-token-of-chain-beta-0002", STATUS_URL, params)

    with pytest.raises(InvalidCallbackSignature):
        provider_for(twilio_config).status_update(method="POST", url=STATUS_URL, params=form, headers=headers)


def test_an_unsigned_callback_is_refused(twilio_config: SmsConfig) -> None:
    form = QueryDict(urlencode({"MessageSid": MESSAGE_SID, "MessageStatus": "delivered"}))

    with pytest.raises(InvalidCallbackSignature):
        provider_for(twilio_config).status_update(method="POST", url=STATUS_URL, params=form, headers={})


def test_a_get_callback_is_signed_over_its_url(twilio_config: SmsConfig) -> None:
    query = urlencode({"MessageSid": MESSAGE_SID, "MessageStatus": "delivered"})
    url = f"{STATUS_URL}?{query}"
    headers = {"x-twilio-signature": twilio_signature(twilio_config.twilio_auth_token, url, {})}

    statuses = provider_for(twilio_config).status_update(
        method="GET", url=url, params=QueryDict(query), headers=headers
    )

    assert statuses == [SmsStatus(MESSAGE_SID, DeliveryStatus.DELIVERED)]


@pytest.mark.parametrize("body", ["STOP", "stop", " Stop ", "STOPALL", "unsubscribe", "Cancel", "END", "quit"])
def test_a_stop_keyword_reply_opts_the_number_out(twilio_config: SmsConfig, body: str) -> None:
    assert _reply(twilio_config, body) == ["+79161234567"]


def test_a_reply_twilio_marked_as_an_opt_out_opts_the_number_out(twilio_config: SmsConfig) -> None:
    assert _reply(twilio_config, "СТОП", OptOutType="STOP") == ["+79161234567"]


@pytest.mark.parametrize("body", ["Thanks!", "stop sending me pizza deals", "START", "HELP", ""])
def test_other_replies_opt_nobody_out(twilio_config: SmsConfig, body: str) -> None:
    assert _reply(twilio_config, body) == []


def test_a_stop_from_something_that_is_not_a_phone_number_opts_nobody_out(twilio_config: SmsConfig) -> None:
    assert _reply(twilio_config, "STOP", From="72345") == []


def test_a_forged_stop_reply_is_refused(twilio_config: SmsConfig) -> None:
    params = {"From": "+79161234567", "Body": "STOP"}
    form, _ = twilio_callback(twilio_config.twilio_auth_token, INBOUND_URL, params)
    headers = {"X-Twilio-Signature": twilio_signature("guessed-token-0000000000", INBOUND_URL, params)}

    with pytest.raises(InvalidCallbackSignature):
        provider_for(twilio_config).stop_replies(method="POST", url=INBOUND_URL, params=form, headers=headers)
