"""Fixtures of the SMS tests of messaging: the fake Twilio and SMS.ru servers (messaging/sms/tests) and a chain set
up with each through the settings service, and the providers' callbacks posted to the chain's host."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.http import HttpResponse

from guests.models import Guest
from messaging.models import Message
from messaging.services import send_to_guest, set_sms_provider
from messaging.sms.tests.conftest import _smsru_server, _twilio_server, smsru, twilio  # noqa: F401
from messaging.sms.tests.fake_sms_providers import FakeSmsRu, FakeTwilio, twilio_signature
from messaging.tests.conftest import NOON_UTC
from tests.fixtures import client_on

TWILIO_SENDER = "+15005550006"


@pytest.fixture
def twilio_chain(alpha: Any, twilio: FakeTwilio) -> FakeTwilio:  # noqa: F811
    """Chain alpha sends SMS through the fake Twilio."""
    set_sms_provider(
        actor=alpha.user("owner"),
        provider="twilio",
        credentials={"account_sid": twilio.account_sid, "auth_token": twilio.auth_token},
        sender_name=TWILIO_SENDER,
    )
    return twilio


@pytest.fixture
def smsru_chain(alpha: Any, smsru: FakeSmsRu) -> FakeSmsRu:  # noqa: F811
    """Chain alpha sends SMS through the fake SMS.ru (its callback token made by the service)."""
    set_sms_provider(
        actor=alpha.user("owner"), provider="smsru", credentials={"api_id": smsru.api_id}, sender_name="Alpha"
    )
    return smsru


@pytest.fixture
def send_sms_to(make_guest: Callable[..., Guest], django_capture_on_commit_callbacks: Any) -> Callable[..., Message]:
    """send_sms_to(guest=None, kind="receipt", text=...): an SMS-consented guest and one message, its task run."""
    counter = iter(range(1, 10_000))

    def send(guest: Guest | None = None, kind: str = "receipt", text: str = "Thank you for your visit!") -> Message:
        guest = guest or make_guest(consents={"sms": True})
        with django_capture_on_commit_callbacks(execute=True):
            message = send_to_guest(guest=guest, kind=kind, text=text, dedupe_key=f"sms:{next(counter)}", now=NOON_UTC)
        return Message.objects.get(pk=message.pk)

    return send


def post_twilio(url: str, params: dict[str, str], auth_token: str, signed_url: str = "") -> HttpResponse:
    """What Twilio POSTs to `url` (absolute), signed with `auth_token` over `signed_url` (default: `url`)."""
    parts = urlsplit(url)
    client = client_on(parts.netloc)
    response: HttpResponse = client.post(
        parts.path + (f"?{parts.query}" if parts.query else ""),
        data=urlencode(params),
        content_type="application/x-www-form-urlencoded",
        secure=parts.scheme == "https",
        headers={"X-Twilio-Signature": twilio_signature(auth_token, signed_url or url, params)},
    )
    return response
