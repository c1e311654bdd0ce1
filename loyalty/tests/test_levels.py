"""Levels: up at once when a check crosses a threshold; nightly re-evaluation moves rolling-threshold guests down."""

import datetime
from decimal import Decimal

from loyalty.models import AppliedCheck, LevelChange, LevelChangeReason, NotificationKind, NotificationOutbox
from loyalty.rules import Check
from loyalty.selectors import chain_today, guest_balance
from loyalty.services import apply_check, create_level, reevaluate_levels


def _levels():
    return (
        create_level(actor=None, name="Silver", threshold_amount=Decimal(0), earn_rate_percent=Decimal(5)),
        create_level(actor=None, name="Gold", threshold_amount=Decimal(10000), earn_rate_percent=Decimal(10)),
    )


def _pay(guest, restaurant, amount, key):
    return apply_check(
        guest=guest, check=Check(total_amount=Decimal(amount)), restaurant=restaurant, idempotency_key=key
    )


def test_check_crossing_threshold_moves_guest_up_at_once(guest, alpha):
    silver, gold = _levels()
    _pay(guest, alpha.restaurants[0], "6000", "c1")
    assert guest_balance(guest=guest).level.name == "Silver"
    outcome = _pay(guest, alpha.restaurants[0], "4000", "c2")
    assert outcome.earned == 200  # the crossing check still earns at Silver's 5%
    balance = guest_balance(guest=guest)
    assert balance.level.name == "Gold"
    assert balance.next_level is None
    change = LevelChange.objects.filter(guest=guest).first()
    assert (change.from_level_id, change.to_level_id, change.reason) == (silver.pk, gold.pk, LevelChangeReason.CHECK)
    assert NotificationOutbox.objects.filter(guest=guest, kind=NotificationKind.LEVEL_CHANGED).count() == 2
    assert _pay(guest, alpha.restaurants[0], "1000", "c3").earned == 100  # Gold's 10% from the next check


def test_balance_says_how_much_spend_reaches_next_level(guest, alpha):
    _levels()
    _pay(guest, alpha.restaurants[0], "2500", "c1")
    balance = guest_balance(guest=guest)
    assert balance.next_level.name == "Gold"
    assert balance.spend_to_next_level_amount == Decimal(7500)


def test_nightly_reevaluation_moves_rolling_guest_down_when_old_spend_drops_out(guest, alpha, program):
    program(level_threshold_mode="rolling", level_rolling_days=30)
    _silver, _gold = _levels()
    _pay(guest, alpha.restaurants[0], "12000", "c1")
    assert guest_balance(guest=guest).level.name == "Gold"
    AppliedCheck.objects.filter(guest=guest).update(
        checked_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=40)
    )

    assert reevaluate_levels(today=chain_today()) == 1
    assert guest_balance(guest=guest).level.name == "Silver"
    change = LevelChange.objects.filter(guest=guest).first()
    assert change.reason == LevelChangeReason.NIGHTLY
    assert reevaluate_levels(today=chain_today()) == 0


def test_nightly_reevaluation_keeps_lifetime_levels(guest, alpha, program):
    program(level_threshold_mode="lifetime")
    _levels()
    _pay(guest, alpha.restaurants[0], "12000", "c1")
    AppliedCheck.objects.filter(guest=guest).update(
        checked_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=4000)
    )
    assert reevaluate_levels(today=chain_today()) == 0
    assert guest_balance(guest=guest).level.name == "Gold"


def test_lowered_threshold_moves_guests_up_overnight(guest, alpha):
    from loyalty.services import update_level

    _silver, gold = _levels()
    _pay(guest, alpha.restaurants[0], "6000", "c1")
    update_level(level=gold, actor=None, changes={"threshold_amount": Decimal(5000)})
    assert reevaluate_levels(today=chain_today()) == 1
    assert guest_balance(guest=guest).level.name == "Gold"
