"""Fixtures of the fraud tests: guests registered by the guest service, checks pushed through the POS webhook's
intake and drain (tests.checks), the acting staff member's access per role, a flag raised by those checks, and the
Telegram fakes (staff linking their alert chat)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.utils import timezone

from accounts.access import ChainAccess, resolve_access
from fraud.models import FraudFlag, FraudRule
from guests.models import Guest
from loyalty.services import update_program_settings
from telegram_bot.tests.conftest import (  # noqa: F401
    _fake_telegram_server,
    alpha_bot,
    link_staff_telegram,
    send_update,
    telegram_api,
)
from tests.checks import CheckSpec, register_guest, send_checks
from tests.fixtures import ChainWorld


@pytest.fixture
def access_of(alpha: ChainWorld) -> Callable[[str], ChainAccess]:
    def resolve(role: str) -> ChainAccess:
        access = resolve_access(alpha.user(role), alpha.chain.id)
        assert access is not None
        return access

    return resolve


@pytest.fixture
def program(alpha: ChainWorld) -> None:
    """10 % back, spendable at once, up to the whole check."""
    update_program_settings(
        actor=None,
        changes={"base_earn_rate_percent": 10, "activation_delay_hours": 0, "max_redeem_share_percent": 100},
    )


@pytest.fixture
def guest(alpha: ChainWorld, program: None) -> Guest:
    return register_guest(first_name="Fedor", home_restaurant_id=alpha.restaurants[0].pk)


def checks_within_an_hour(world: ChainWorld, guest: Guest, count: int) -> list[CheckSpec]:
    start = timezone.now() - datetime.timedelta(hours=2)
    return [
        CheckSpec(
            total_amount=f"{500 + number}.00", guest=guest, closed_at=start + datetime.timedelta(minutes=5 * number)
        )
        for number in range(count)
    ]


@pytest.fixture
def velocity_flag(alpha: ChainWorld, guest: Guest) -> FraudFlag:
    """Five checks of one guest in 25 minutes (the default limit is 4 an hour): one open flag."""
    send_checks(alpha, checks_within_an_hour(alpha, guest, 5))
    return FraudFlag.objects.get(rule=FraudRule.VELOCITY, guest=guest)
