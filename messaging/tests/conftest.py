"""Fixtures of the messaging tests: guests made by the guests service, the Telegram fakes reused, email settings."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from guests.models import Guest
from guests.services import create_guest
from messaging.models import Message
from messaging.services import send_to_guest
from messaging.tests.fake_email_providers import FakeProvider, start_fake_provider
from telegram_bot.tests.conftest import _fake_telegram_server, alpha_bot, linked_guest, telegram_api  # noqa: F401

_phones = itertools.count(9_000_001)
# Noon in Moscow: outside the default quiet hours (21:00-09:00) in the chain's and the restaurants' zones.
NOON_UTC = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


def next_phone() -> str:
    return f"+7916{next(_phones):07d}"


@pytest.fixture
def make_guest(alpha: Any) -> Callable[..., Guest]:
    """make_guest(email=..., consents={"email": True}, **fields): a guest registered through guests.services."""

    def make(email: str = "", consents: dict[str, bool] | None = None, **fields: Any) -> Guest:
        fields.setdefault("language", "en")
        return create_guest(access=None, phone=next_phone(), email=email, consents=consents or {}, **fields)

    return make


SENDGRID_KEY = "SG.test-key"
MAILGUN_KEY = "key-mailgun-test"
MAILGUN_DOMAIN = "mg.alpha.example"


@pytest.fixture(scope="session")
def _fake_sendgrid() -> Iterator[FakeProvider]:
    fake = start_fake_provider("sendgrid", SENDGRID_KEY)
    yield fake
    fake.server.shutdown()


@pytest.fixture(scope="session")
def _fake_mailgun() -> Iterator[FakeProvider]:
    fake = start_fake_provider("mailgun", MAILGUN_KEY)
    yield fake
    fake.server.shutdown()


@pytest.fixture
def sendgrid(_fake_sendgrid: FakeProvider, settings: Any) -> FakeProvider:
    """The real anymail SendGrid backend, pointed at the fake."""
    _fake_sendgrid.reset()
    settings.EMAIL_BACKEND = settings.EMAIL_PROVIDER_BACKENDS["sendgrid"]
    settings.ANYMAIL = {
        **settings.ANYMAIL,
        "SENDGRID_API_KEY": SENDGRID_KEY,
        "SENDGRID_API_URL": _fake_sendgrid.base_url,
    }
    return _fake_sendgrid


@pytest.fixture
def mailgun(_fake_mailgun: FakeProvider, settings: Any) -> FakeProvider:
    """The real anymail Mailgun backend, pointed at the fake."""
    _fake_mailgun.reset()
    settings.EMAIL_BACKEND = settings.EMAIL_PROVIDER_BACKENDS["mailgun"]
    settings.ANYMAIL = {
        **settings.ANYMAIL,
        "MAILGUN_API_KEY": MAILGUN_KEY,
        "MAILGUN_SENDER_DOMAIN": MAILGUN_DOMAIN,
        "MAILGUN_API_URL": _fake_mailgun.base_url,
    }
    return _fake_mailgun


@pytest.fixture
def send_email_to(make_guest: Callable[..., Guest], django_capture_on_commit_callbacks: Any) -> Callable[..., Message]:
    """send_email_to(address, kind="promo", key=...): a consented guest and one message sent to them, tasks run."""
    keys = itertools.count(1)

    def send(address: str, kind: str = "promo", key: str = "") -> Message:
        guest = make_guest(email=address, consents={"email": True})
        with django_capture_on_commit_callbacks(execute=True):
            message = send_to_guest(
                guest=guest,
                kind=kind,
                subject="Autumn menu",
                text="Dear guest,\nour autumn menu is here.",
                html="<p>Dear guest,<br>our <b>autumn</b> menu is here.</p>",
                dedupe_key=key or f"test:{address}:{next(keys)}",
                now=NOON_UTC,
            )
        return Message.objects.get(pk=message.pk)

    return send


from messaging.tests.sms_fixtures import (  # noqa: E402, F401
    _smsru_server,
    _twilio_server,
    send_sms_to,
    smsru,
    smsru_chain,
    twilio,
    twilio_chain,
)
