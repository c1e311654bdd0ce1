"""The setup checklist follows the chain's data step by step, each step done through its production write path;
the POS step waits until the first check from the POS itself (a test check proves our side only)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import timezone

from accounts.access import resolve_access
from accounts.invitations import invite_staff
from accounts.models import Membership, Role
from billing.services.subscriptions import ensure_subscription, record_payment_succeeded
from loyalty.services.program import update_program_settings
from onboarding.selectors import setup_checklist
from pos.services import create_connection
from pos.services.connection_checks import send_test_check
from restaurants.models import Restaurant
from restaurants.services import create_restaurant
from telegram_bot.services import connect_bot
from telegram_bot.tests.fake_telegram import FakeTelegram, start_fake_telegram
from tests.checks import CheckSpec, committed_effects, register_guest, send_checks
from tests.fixtures import ChainWorld

BOT_TOKEN = "700200:AAH-checklist-token"


@pytest.fixture(scope="module")
def _telegram() -> Iterator[FakeTelegram]:
    fake = start_fake_telegram()
    yield fake
    fake.server.shutdown()


@pytest.fixture
def telegram(_telegram: FakeTelegram, settings) -> FakeTelegram:  # type: ignore[no-untyped-def]
    _telegram.reset()
    _telegram.valid_tokens.add(BOT_TOKEN)
    settings.TELEGRAM_API_BASE_URL = _telegram.base_url
    return _telegram


@pytest.fixture
def new_chain(alpha: ChainWorld) -> ChainWorld:
    """Chain alpha as a chain fresh from sign-up looks (inside this test's rolled-back transaction): its owner alone,
    no restaurant."""
    Membership.objects.filter(chain=alpha.chain).exclude(role=Role.OWNER).delete()
    Restaurant.objects.all().delete()
    return dataclasses.replace(alpha, restaurants=[])  # the session's world keeps its restaurants


def _states(world: ChainWorld) -> dict[str, str]:
    access = resolve_access(world.user("owner"), world.chain.pk)
    assert access is not None
    return {step.key: str(step.state) for step in setup_checklist(chain_id=world.chain.pk, access=access).steps}


def test_a_new_chain_has_every_step_to_do(new_chain):
    assert _states(new_chain) == {
        "restaurant": "todo",
        "pos": "todo",
        "program": "todo",
        "staff": "todo",
        "telegram": "todo",
        "plan": "todo",
    }


def test_each_step_is_done_by_its_own_action(new_chain, telegram):
    owner = new_chain.user("owner")
    restaurant = create_restaurant(actor=owner, name="First", address="Main st. 1")
    new_chain.restaurants = [restaurant]
    assert _states(new_chain)["restaurant"] == "done"

    connection, _secrets = create_connection(actor=owner, restaurant=restaurant, kind="webhook", name="Till")
    assert _states(new_chain)["pos"] == "waiting"
    with committed_effects():
        send_test_check(actor=owner, pos_connection=connection)
    assert _states(new_chain)["pos"] == "waiting"  # our own check proves our side, not the POS
    send_checks(new_chain, [CheckSpec(total_amount="300.00", guest=register_guest())])
    assert _states(new_chain)["pos"] == "done"

    update_program_settings(actor=owner, changes={"welcome_bonus_points": 100})
    assert _states(new_chain)["program"] == "done"

    invite_staff(
        chain=new_chain.chain,
        email="new-cashier@alpha.test",
        full_name="New Cashier",
        role=Role.CASHIER,
        restaurants=[restaurant],
        actor=owner,
        actor_role=Role.OWNER,
    )
    assert _states(new_chain)["staff"] == "done"

    connect_bot(token=BOT_TOKEN, actor=owner)
    assert _states(new_chain)["telegram"] == "done"

    ensure_subscription(chain=new_chain.chain)
    assert _states(new_chain)["plan"] == "todo"  # the trial is no choice yet
    record_payment_succeeded(
        chain_id=new_chain.chain.pk, provider="stripe", period_end=timezone.now() + dt.timedelta(days=30)
    )
    assert set(_states(new_chain).values()) == {"done"}


def test_the_checklist_costs_one_query(new_chain, django_assert_num_queries):
    access = resolve_access(new_chain.user("owner"), new_chain.chain.pk)
    assert access is not None
    with django_assert_num_queries(1):
        setup_checklist(chain_id=new_chain.chain.pk, access=access)


def test_saving_the_program_as_it_is_counts_as_reviewed(new_chain):
    update_program_settings(actor=new_chain.user("owner"), changes={})
    assert _states(new_chain)["program"] == "done"
