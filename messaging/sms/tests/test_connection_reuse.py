"""A process keeps one HTTP client per provider account and API root: a campaign's messages go over the same
kept-alive connection; another account or API root gets a client of its own."""

from __future__ import annotations

from typing import Any

import pytest

from messaging.sms.providers import SmsConfig, SmsPermanentError, SmsTemporaryError, provider_for
from messaging.sms.tests.fake_sms_providers import FakeSmsRu, FakeTwilio


def test_twilio_messages_of_one_account_share_a_connection(twilio: FakeTwilio, twilio_config: SmsConfig) -> None:
    for number in ("+79161234567", "+79161234568", "+79161234569"):
        provider_for(twilio_config).send(to=number, text="Hi")

    assert len({request.client_port for request in twilio.received}) == 1


def test_another_twilio_account_gets_its_own_client(twilio: FakeTwilio, twilio_config: SmsConfig) -> None:
    other = SmsConfig(
        provider="twilio", sender="+15005550006", twilio_account_sid=twilio.account_sid, twilio_auth_token="wrong-one"
    )

    provider_for(twilio_config).send(to="+79161234567", text="Hi")
    with pytest.raises(SmsPermanentError):  # refused credentials: the request is what this test looks at
        provider_for(other).send(to="+79161234567", text="Hi")

    first, second = twilio.received
    assert first.client_port != second.client_port
    assert first.headers["Authorization"] != second.headers["Authorization"]


def test_smsru_messages_share_a_connection(smsru: FakeSmsRu, smsru_config: SmsConfig) -> None:
    for number in ("+79161234567", "+79161234568", "+79161234569"):
        provider_for(smsru_config).send(to=number, text="Привет")

    assert len({request.client_port for request in smsru.received}) == 1


def test_another_api_root_gets_its_own_client(
    twilio: FakeTwilio, twilio_config: SmsConfig, refused_address: str, settings: Any
) -> None:
    provider_for(twilio_config).send(to="+79161234567", text="Hi")
    settings.TWILIO_API_BASE = refused_address
    with pytest.raises(SmsTemporaryError):  # nothing listens there
        provider_for(twilio_config).send(to="+79161234567", text="Hi")

    assert len(twilio.received) == 1
