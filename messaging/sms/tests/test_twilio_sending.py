"""Sending through Twilio's own library against a fake Twilio: what the SDK asks for, and each failure classified
as temporary (retry) or permanent (do not), opt-outs included."""

from __future__ import annotations

from typing import Any

import pytest

from messaging.sms.providers import (
    FailureReason,
    SmsConfig,
    SmsPermanentError,
    SmsSent,
    SmsTemporaryError,
    provider_for,
)
from messaging.sms.tests.fake_sms_providers import FakeTwilio

CALLBACK = "https://alpha.maxloyalty.test/messaging/sms/twilio/status/"


def test_a_send_asks_twilio_for_the_number_in_e164_the_sender_the_text_and_the_callback(
    twilio: FakeTwilio, twilio_config: SmsConfig
) -> None:
    sent = provider_for(twilio_config).send(
        to="8 (916) 123-45-67", text="Your table is ready", status_callback_url=CALLBACK
    )

    (request,) = twilio.received
    assert request.path == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    assert request.form == {
        "To": "+79161234567",
        "From": "+15005550006",
        "Body": "Your table is ready",
        "StatusCallback": CALLBACK,
    }
    assert sent.provider_message_id.startswith("SM")
    assert sent == SmsSent(provider_message_id=sent.provider_message_id, parts=1)


def test_the_parts_are_those_twilio_bills(twilio: FakeTwilio, twilio_config: SmsConfig) -> None:
    sent = provider_for(twilio_config).send(to="+79161234567", text="Скидка " * 12)

    assert sent.parts == 2


def test_a_messaging_service_sender_is_sent_as_one(twilio: FakeTwilio, twilio_config: SmsConfig) -> None:
    service_sid = "MG" + "0" * 31 + "7"

    provider_for(twilio_config).send(to="+79161234567", text="Hi", sender=service_sid)

    (request,) = twilio.received
    assert request.form["MessagingServiceSid"] == service_sid
    assert "From" not in request.form


def test_a_number_that_is_not_a_phone_number_fails_before_reaching_twilio(
    twilio: FakeTwilio, twilio_config: SmsConfig
) -> None:
    with pytest.raises(SmsPermanentError) as refused:
        provider_for(twilio_config).send(to="12", text="Hi")

    assert refused.value.reason == FailureReason.INVALID_NUMBER
    assert twilio.received == []


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (503, None, FailureReason.PROVIDER_UNAVAILABLE),
        (500, 20500, FailureReason.PROVIDER_UNAVAILABLE),
        (429, 20429, FailureReason.RATE_LIMITED),
        (503, 20429, FailureReason.RATE_LIMITED),
    ],
    ids=["503", "500", "429", "503 too many requests"],
)
def test_outages_and_rate_limits_are_temporary(
    twilio: FakeTwilio, twilio_config: SmsConfig, status: int, code: int | None, reason: FailureReason
) -> None:
    twilio.fail_next(status, code)

    with pytest.raises(SmsTemporaryError) as failed:
        provider_for(twilio_config).send(to="+79161234567", text="Hi")

    assert failed.value.reason == reason


def test_no_answer_at_all_is_temporary(twilio_config: SmsConfig, refused_address: str, settings: Any) -> None:
    settings.TWILIO_API_BASE = refused_address

    with pytest.raises(SmsTemporaryError) as failed:
        provider_for(twilio_config).send(to="+79161234567", text="Hi")

    assert failed.value.reason == FailureReason.NETWORK


def test_a_number_twilio_calls_invalid_is_permanent(twilio: FakeTwilio, twilio_config: SmsConfig) -> None:
    twilio.invalid_numbers.add("+79161234567")

    with pytest.raises(SmsPermanentError) as refused:
        provider_for(twilio_config).send(to="+79161234567", text="Hi")

    assert (refused.value.reason, refused.value.provider_code) == (FailureReason.INVALID_NUMBER, "21211")
    assert not refused.value.opted_out


def test_a_recipient_who_replied_stop_is_a_permanent_opt_out(twilio: FakeTwilio, twilio_config: SmsConfig) -> None:
    twilio.unsubscribed_numbers.add("+79161234567")

    with pytest.raises(SmsPermanentError) as refused:
        provider_for(twilio_config).send(to="+79161234567", text="Hi")

    assert (refused.value.reason, refused.value.provider_code) == (FailureReason.OPTED_OUT, "21610")
    assert refused.value.opted_out


def test_refused_credentials_are_permanent(twilio: FakeTwilio, twilio_config: SmsConfig) -> None:
    config = SmsConfig(
        provider="twilio",
        sender=twilio_config.sender,
        twilio_account_sid=twilio.account_sid,
        twilio_auth_token="not-the-auth-token",
    )

    with pytest.raises(SmsPermanentError) as refused:
        provider_for(config).send(to="+79161234567", text="Hi")

    assert (refused.value.reason, refused.value.provider_code) == (FailureReason.AUTH_FAILED, "20003")


def test_a_sender_the_account_does_not_own_is_permanent(twilio: FakeTwilio, twilio_config: SmsConfig) -> None:
    twilio.fail_next(400, 21606, "The From phone number is not a valid, SMS-capable inbound phone number")

    with pytest.raises(SmsPermanentError) as refused:
        provider_for(twilio_config).send(to="+79161234567", text="Hi")

    assert refused.value.reason == FailureReason.SENDER_NOT_ALLOWED
