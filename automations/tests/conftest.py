"""Fixtures of the automations tests: chain alpha with email through the fake SendGrid, no quiet hours and roomy
caps (each test says when it wants them), guests registered through the guests service, visits through the loyalty
check service, and the automations run with their after-commit effects (the deliveries) executed."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from automations.runners import run_automation
from automations.services import update_automation
from guests.models import Guest
from guests.services import create_guest
from loyalty import rules
from loyalty.selectors import forget_program_cache
from loyalty.services import apply_check
from messaging.services import update_messaging_settings
from messaging.tests.conftest import _fake_sendgrid, next_phone, sendgrid  # noqa: F401
from tenants.models import Chain
from tests.fixtures import ChainWorld

_numbers = itertools.count(1)


@dataclass
class AutomationWorld:
    alpha: ChainWorld
    email: Any  # messaging.tests.fake_email_providers.FakeProvider
    capture: Any  # django_capture_on_commit_callbacks

    def guest(self, *, consents: dict[str, bool] | None = None, **fields: Any) -> Guest:
        number = next(_numbers)
        fields.setdefault("language", "en")
        fields.setdefault("first_name", f"Guest{number}")
        return create_guest(
            access=None,
            phone=next_phone(),
            email=f"guest{number}@example.com",
            consents={"email": True} if consents is None else consents,
            **fields,
        )

    def visit(self, guest: Guest, at: datetime.datetime, amount: str = "1000.00") -> None:
        """A check of the guest at `at` (a visit), through the loyalty check service."""
        apply_check(
            guest=guest,
            check=rules.Check(total_amount=Decimal(amount), at=at),
            restaurant=self.alpha.restaurants[0],
            idempotency_key=f"test-visit:{guest.pk}:{at.isoformat()}",
        )

    def turn_on(self, kind: str, **values: Any) -> None:
        values.setdefault("channels", ["email"])
        update_automation(actor=self.alpha.user("owner"), kind=kind, is_enabled=True, **values)

    def run(self, kind: str, now: datetime.datetime | None = None) -> int:
        with self.capture(execute=True):
            return run_automation(kind=kind, now=now or timezone.now())

    def inbox(self) -> list[tuple[str, str]]:
        """(address, subject) of every email the fake SendGrid took, in order."""
        return [
            (request.json["personalizations"][0]["to"][0]["email"], request.json["subject"])
            for request in self.email.requests
        ]


@pytest.fixture
def auto(
    alpha: ChainWorld,
    sendgrid: Any,  # noqa: F811  # the messaging tests' fixture, imported above
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> AutomationWorld:
    update_messaging_settings(
        actor=alpha.user("owner"),
        quiet_hours_start=None,
        quiet_hours_end=None,
        marketing_per_day=20,
        marketing_per_week=50,
    )
    return AutomationWorld(alpha=alpha, email=sendgrid, capture=django_capture_on_commit_callbacks)


@pytest.fixture
def in_vladivostok(alpha: ChainWorld) -> str:
    """Chain alpha keeps its days in Asia/Vladivostok (UTC+10) for this test."""
    Chain.objects.filter(pk=alpha.chain.pk).update(time_zone="Asia/Vladivostok")
    forget_program_cache()
    yield "Asia/Vladivostok"
    forget_program_cache()
