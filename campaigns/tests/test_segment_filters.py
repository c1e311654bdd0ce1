"""Each filter of a saved segment picks exactly the guests it names, guests and their history made through the
production paths (guest registration, checks sent by a POS, the points ledger, the bot's linking)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from campaigns.selectors import segment_guests
from guests.models import Guest
from guests.services import set_consent
from guests.tests.factories import GuestFactory, visit
from loyalty.models import EntryKind
from loyalty.services import accrue_points, create_level
from telegram_bot.models import TelegramChat
from telegram_bot.services.updates import link_or_register
from tests.fixtures import ChainWorld


def ids(filters: dict, access=None) -> set[int]:
    return set(segment_guests(filters, access).values_list("pk", flat=True))


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def test_level_picks_the_guests_on_it(alpha: ChainWorld) -> None:
    gold = create_level(actor=None, name="Gold", threshold_amount=Decimal(5000), earn_rate_percent=Decimal(7))
    climber, other = GuestFactory(), GuestFactory()
    visit(alpha, guest=climber, amount="6000.00")
    visit(alpha, guest=other, amount="100.00")

    assert ids({"level_ids": [gold.pk]}) == {climber.pk}


def test_tags_pick_guests_with_any_of_them(alpha: ChainWorld) -> None:
    vip, family, plain = GuestFactory(tags=["vip"]), GuestFactory(tags=["family", "kids"]), GuestFactory(tags=["x"])

    assert ids({"tags": ["vip", "family"]}) == {vip.pk, family.pk}
    assert plain.pk not in ids({"tags": ["vip"]})


def test_home_restaurant_picks_its_guests(alpha: ChainWorld) -> None:
    center, riverside = alpha.restaurants
    home_center, home_riverside = GuestFactory(home_restaurant=center), GuestFactory(home_restaurant=riverside)

    assert home_center.pk in ids({"home_restaurant_ids": [center.pk]})
    assert home_riverside.pk not in ids({"home_restaurant_ids": [center.pk]})


def test_visits_in_a_period_count_only_its_days(alpha: ChainWorld) -> None:
    regular, once, lapsed, never = GuestFactory(), GuestFactory(), GuestFactory(), GuestFactory()
    visit(alpha, guest=regular, at=days_ago(2))
    visit(alpha, guest=regular, at=days_ago(10))
    visit(alpha, guest=once, at=days_ago(3))
    visit(alpha, guest=lapsed, at=days_ago(50))
    visit(alpha, guest=lapsed, at=days_ago(60))

    assert ids({"visits_days": 30, "visits_min": 2}) & {regular.pk, once.pk, lapsed.pk, never.pk} == {regular.pk}
    at_most_one = ids({"visits_days": 30, "visits_max": 1})
    assert {once.pk, lapsed.pk, never.pk} <= at_most_one
    assert regular.pk not in at_most_one


def test_spend_in_a_period_sums_its_checks(alpha: ChainWorld) -> None:
    big, small, old_big = GuestFactory(), GuestFactory(), GuestFactory()
    visit(alpha, guest=big, amount="3000.00", at=days_ago(1))
    visit(alpha, guest=big, amount="2500.00", at=days_ago(5))
    visit(alpha, guest=small, amount="900.00", at=days_ago(1))
    visit(alpha, guest=old_big, amount="9000.00", at=days_ago(100))

    matching = ids({"spend_days": 30, "spend_min_amount": "5000.00"})
    assert big.pk in matching
    assert not {small.pk, old_big.pk} & matching
    assert small.pk in ids({"spend_days": 30, "spend_min_amount": "500", "spend_max_amount": "1000"})


def test_days_since_last_visit_counts_calendar_days(alpha: ChainWorld) -> None:
    recent, lapsed, never = GuestFactory(), GuestFactory(), GuestFactory()
    visit(alpha, guest=recent, at=days_ago(3))
    visit(alpha, guest=lapsed, at=days_ago(45))

    lapsed_30 = ids({"last_visit_days_min": 30})
    assert lapsed.pk in lapsed_30
    assert not {recent.pk, never.pk} & lapsed_30
    assert ids({"last_visit_days_max": 7}) & {recent.pk, lapsed.pk, never.pk} == {recent.pk}


def test_rfm_class_follows_the_analytics_classification(alpha: ChainWorld) -> None:
    champion, new, lost = GuestFactory(), GuestFactory(), GuestFactory()
    for day in (1, 3, 5, 7, 9):
        visit(alpha, guest=champion, amount="5000.00", at=days_ago(day))
    visit(alpha, guest=new, amount="100.00", at=days_ago(2))
    visit(alpha, guest=lost, amount="100.00", at=days_ago(200))

    assert ids({"rfm_classes": ["champions"]}) & {champion.pk, new.pk, lost.pk} == {champion.pk}
    assert ids({"rfm_classes": ["new", "lost"]}) & {champion.pk, new.pk, lost.pk} == {new.pk, lost.pk}


def test_birthday_month_picks_its_guests(alpha: ChainWorld) -> None:
    may, june = GuestFactory(birthday=datetime.date(1990, 5, 17)), GuestFactory(birthday=datetime.date(1985, 6, 1))

    assert may.pk in ids({"birthday_month": 5})
    assert june.pk not in ids({"birthday_month": 5})


def test_points_balance_reads_the_ledger(alpha: ChainWorld) -> None:
    rich, poor, none = GuestFactory(), GuestFactory(), GuestFactory()
    accrue_points(guest=rich, points=500, kind=EntryKind.WELCOME, idempotency_key="segment-rich")
    accrue_points(guest=poor, points=20, kind=EntryKind.WELCOME, idempotency_key="segment-poor")

    assert ids({"points_min": 100}) & {rich.pk, poor.pk, none.pk} == {rich.pk}
    assert ids({"points_max": 50}) & {rich.pk, poor.pk, none.pk} == {poor.pk, none.pk}


def _linked_in_telegram(guest: Guest, chat_id: int) -> TelegramChat:
    chat = TelegramChat.objects.create(chat_id=chat_id, user_id=chat_id, language="en", shared_phone=guest.phone)
    link_or_register(chat=chat, consent=True)
    return chat


def test_channel_reachable_needs_consent_and_the_contact(alpha: ChainWorld) -> None:
    emailed = GuestFactory(consents={"email": True})
    no_consent = GuestFactory()
    no_address = GuestFactory(email="", consents={"email": True})
    withdrawn = GuestFactory(consents={"email": True})
    set_consent(guest=withdrawn, channel="email", given=False)
    in_bot = GuestFactory()
    _linked_in_telegram(in_bot, chat_id=7001)

    candidates = {emailed.pk, no_consent.pk, no_address.pk, withdrawn.pk, in_bot.pk}
    assert ids({"reachable_channels": ["email"]}) & candidates == {emailed.pk}
    assert ids({"reachable_channels": ["telegram"]}) & candidates == {in_bot.pk}
    assert ids({"reachable_channels": ["email", "telegram"]}) & candidates == {emailed.pk, in_bot.pk}


def test_no_filter_means_every_guest_but_the_erased(alpha: ChainWorld) -> None:
    first, second = GuestFactory(), GuestFactory()

    assert {first.pk, second.pk} <= ids({})
