"""Fixtures of the SMS provider tests: the fake Twilio and SMS.ru servers, the settings pointing at them, configs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from messaging.sms.providers import SmsConfig
from messaging.sms.tests.fake_sms_providers import FakeSmsRu, FakeTwilio, serving
from tests.log_secrets import register_secret

CALLBACK_TOKEN = "smsru-callback-token-of-chain-alpha-0001"


@pytest.fixture(autouse=True)
def _russian_numbers(settings: Any) -> None:
    # Numbers typed without a country code are Russian, as for a chain paying in roubles (guests.phones).
    settings.PHONE_DEFAULT_REGION = "RU"


@pytest.fixture(scope="session")
def _twilio_server() -> Iterator[tuple[FakeTwilio, str]]:
    fake = FakeTwilio()
    register_secret(fake.auth_token)  # tests/log_secrets.py: no log line may hold it
    with serving(fake) as base_url:
        yield fake, base_url


@pytest.fixture
def twilio(_twilio_server: tuple[FakeTwilio, str], settings: Any) -> FakeTwilio:
    fake, base_url = _twilio_server
    fake.reset()
    settings.TWILIO_API_BASE = base_url
    return fake


@pytest.fixture
def twilio_config(twilio: FakeTwilio) -> SmsConfig:
    return SmsConfig(
        provider="twilio",
        sender="+15005550006",
        twilio_account_sid=twilio.account_sid,
        twilio_auth_token=twilio.auth_token,
    )


@pytest.fixture(scope="session")
def _smsru_server() -> Iterator[tuple[FakeSmsRu, str]]:
    fake = FakeSmsRu()
    register_secret(fake.api_id)
    register_secret(CALLBACK_TOKEN)
    with serving(fake) as base_url:
        yield fake, base_url


@pytest.fixture
def smsru(_smsru_server: tuple[FakeSmsRu, str], settings: Any) -> FakeSmsRu:
    fake, base_url = _smsru_server
    fake.reset()
    settings.SMSRU_API_BASE = base_url
    return fake


@pytest.fixture
def smsru_config(smsru: FakeSmsRu) -> SmsConfig:
    return SmsConfig(provider="smsru", sender="MaxCafe", smsru_api_id=smsru.api_id, callback_token=CALLBACK_TOKEN)


@pytest.fixture
def refused_address() -> str:
    """An address where nothing listens: the connection is refused."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
