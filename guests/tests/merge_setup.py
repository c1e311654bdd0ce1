"""Two profiles of one person for the merge tests, built through the production write paths: registered guests,
points from the program's welcome bonus, visits from POS checks, a Telegram chat linked by the bot."""

from __future__ import annotations

import datetime
from decimal import Decimal

from guests.models import Guest
from guests.services import set_consent
from guests.tests.factories import GuestFactory, visit
from loyalty.models import EntryKind
from loyalty.services import accrue_points, create_level
from telegram_bot.models import TelegramChat
from telegram_bot.services.updates import link_or_register
from tests.fixtures import ChainWorld

BIRTHDAY = datetime.date(1990, 5, 17)


def two_levels() -> None:
    create_level(actor=None, name="Base", threshold_amount=Decimal(0), earn_rate_percent=Decimal(5))
    create_level(actor=None, name="Gold", threshold_amount=Decimal(3000), earn_rate_percent=Decimal(10))


def duplicate_pair(world: ChainWorld) -> tuple[Guest, Guest]:
    """survivor: phone, email, a 2000 check, SMS consent withdrawn; other: another phone, a card, birthday, a 2000
    check, 100 bonus points, SMS consent given, a linked Telegram chat."""
    survivor = GuestFactory(first_name="Ivan", last_name="Petrov", email="ivan@mail.ru", consents={"sms": True})
    set_consent(guest=survivor, channel="sms", given=False)
    other = GuestFactory(
        first_name="Ivan", last_name="Petrov", email="", birthday=BIRTHDAY, consents={"sms": True, "email": True}
    )
    visit(world, guest=survivor, amount="2000.00")
    visit(world, guest=other, amount="2000.00")
    accrue_points(guest=other, points=100, kind=EntryKind.WELCOME, idempotency_key=f"test-bonus:{other.pk}")
    chat = TelegramChat.objects.create(chat_id=700001, user_id=700001, language="en", shared_phone=other.phone)
    link_or_register(chat=chat, consent=True)
    survivor.refresh_from_db()
    other.refresh_from_db()
    return survivor, other
