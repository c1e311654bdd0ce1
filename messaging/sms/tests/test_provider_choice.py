"""A chain's SMS config picks its provider; an incomplete one is refused naming each missing field (422), and the
config's secrets never show in its repr (so never in a log line); every failure reason reads in the owner's words."""

from __future__ import annotations

import pytest

from messaging.sms.providers import (
    FailureReason,
    SmsConfig,
    SmsConfigInvalid,
    SmsPermanentError,
    new_callback_token,
    provider_for,
)
from messaging.sms.providers.smsru import SmsRuProvider
from messaging.sms.providers.twilio import TwilioProvider


def test_each_provider_name_gives_its_provider() -> None:
    twilio = SmsConfig(provider="twilio", sender="+15005550006", twilio_account_sid="AC1", twilio_auth_token="t" * 32)
    smsru = SmsConfig(provider="smsru", smsru_api_id="api-id", callback_token=new_callback_token())

    assert isinstance(provider_for(twilio), TwilioProvider)
    assert isinstance(provider_for(smsru), SmsRuProvider)


def test_an_unknown_provider_is_refused() -> None:
    with pytest.raises(SmsConfigInvalid) as refused:
        provider_for(SmsConfig(provider="smsc"))

    assert refused.value.status == 422
    assert list(refused.value.fields) == ["provider"]


@pytest.mark.parametrize(
    ("config", "missing"),
    [
        (SmsConfig(provider="twilio", twilio_account_sid="AC1"), ["sender", "twilio_auth_token"]),
        (SmsConfig(provider="smsru", smsru_api_id="api-id"), ["callback_token"]),
        (SmsConfig(provider="smsru", callback_token="token"), ["smsru_api_id"]),
    ],
)
def test_an_incomplete_config_names_each_missing_field(config: SmsConfig, missing: list[str]) -> None:
    with pytest.raises(SmsConfigInvalid) as refused:
        provider_for(config)

    assert sorted(refused.value.fields) == missing


def test_secrets_stay_out_of_the_configs_repr() -> None:
    config = SmsConfig(
        provider="twilio",
        twilio_account_sid="AC1",
        twilio_auth_token="twilio-secret-auth-token",
        smsru_api_id="smsru-secret-api-id",
        callback_token="secret-callback-token",
    )

    shown = repr(config)

    assert "AC1" in shown
    assert "twilio-secret-auth-token" not in shown
    assert "smsru-secret-api-id" not in shown
    assert "secret-callback-token" not in shown


def test_callback_tokens_are_long_and_fresh() -> None:
    tokens = {new_callback_token() for _ in range(20)}

    assert len(tokens) == 20
    assert min(len(token) for token in tokens) >= 40


@pytest.mark.parametrize("reason", list(FailureReason))
def test_every_failure_reason_reads_in_the_owners_words(reason: FailureReason) -> None:
    message = SmsPermanentError(reason, provider_code="999").message

    assert message
    assert reason.value not in message
