"""A backtest replays the period's real checks under the current program and a draft, guest by guest in time
order, and gives the figures side by side: hand-computed here on two guests, one crossing a level threshold."""

import datetime
from decimal import Decimal

import pytest

from loyalty.models import BacktestStatus
from loyalty.rules import Check
from loyalty.selectors import local_now
from loyalty.services import apply_check, create_draft, create_level, start_backtest
from loyalty.tests.factories import GuestFactory


@pytest.fixture
def levels(alpha):
    return (
        create_level(actor=None, name="Silver", threshold_amount=Decimal(0), earn_rate_percent=Decimal(5)),
        create_level(actor=None, name="Gold", threshold_amount=Decimal(10000), earn_rate_percent=Decimal(10)),
    )


def _pay(guest, restaurant, amount, days_ago, key, spend=0):
    return apply_check(
        guest=guest,
        check=Check(
            total_amount=Decimal(amount),
            at=local_now() - datetime.timedelta(days=days_ago),
            points_to_spend=spend,
        ),
        restaurant=restaurant,
        idempotency_key=key,
    )


@pytest.fixture
def history(alpha, levels):
    """Guest A: 6000, 4000 (crosses Gold at 10000), 1000; guest B: 2000 and 1000 at the second restaurant. A new
    guest's first check earns the program's base 5 % and places them on a level."""
    first, second = alpha.restaurants[0], alpha.restaurants[1]
    guest_a = GuestFactory(home_restaurant=first, first_name="Anna")
    guest_b = GuestFactory(home_restaurant=second, first_name="Boris")
    _pay(guest_a, first, "6000", 20, "a1")
    _pay(guest_a, first, "4000", 10, "a2")
    _pay(guest_a, first, "1000", 5, "a3")
    _pay(guest_b, second, "2000", 3, "b1")
    _pay(guest_b, second, "1000", 1, "b2")
    return guest_a, guest_b


def _draft_data(draft, silver, gold):
    """The current program with Gold from 5000 spend and Silver earning 4 %."""
    data = dict(draft.data)
    data["levels"] = [
        {"id": silver.pk, "name": "Silver", "threshold_amount": "0", "earn_rate_percent": "4"},
        {"id": gold.pk, "name": "Gold", "threshold_amount": "5000", "earn_rate_percent": "10"},
    ]
    return data


def _backtest(alpha, levels, django_capture_on_commit_callbacks, days=30):
    silver, gold = levels
    draft = create_draft(actor=alpha.users["owner"])
    draft.data = _draft_data(draft, silver, gold)
    draft.save()
    with django_capture_on_commit_callbacks(execute=True):
        backtest = start_backtest(draft=draft, days=days, actor=alpha.users["owner"])
    backtest.refresh_from_db()
    return backtest


def test_points_issued_redeemable_and_cost_side_by_side(alpha, levels, history, django_capture_on_commit_callbacks):
    backtest = _backtest(alpha, levels, django_capture_on_commit_callbacks)

    assert backtest.status == BacktestStatus.DONE
    assert (backtest.total, backtest.processed) == (5, 5)
    current, draft = backtest.result["current"], backtest.result["draft"]
    # Current: A 300 (base rate) + 200 (Silver; crosses Gold) + 100 (Gold); B 100 (base rate) + 50 (Silver).
    assert (current["points_issued"], current["cost_amount"]) == (750, "750.00")
    # Draft: A 300 (crosses Gold at 5000) + 400 + 100; B 100 + 40 (Silver at 4 %).
    assert (draft["points_issued"], draft["cost_amount"]) == (940, "940.00")
    # Redeemable: A could pay 0, then 300 (her balance), then 500 (half of 1000); B 0, then 100.
    assert (current["points_redeemable"], draft["points_redeemable"]) == (900, 900)
    assert current["guests_per_level"] == {"Gold": 1, "Silver": 1}
    assert draft["guests_per_level"] == {"Gold": 1, "Silver": 1}


def test_figures_per_restaurant_and_per_level(alpha, levels, history, django_capture_on_commit_callbacks):
    result = _backtest(alpha, levels, django_capture_on_commit_callbacks).result

    per_restaurant = {
        row["name"]: (row["current"]["points_issued"], row["draft"]["points_issued"]) for row in result["restaurants"]
    }
    assert per_restaurant == {alpha.restaurants[0].name: (600, 800), alpha.restaurants[1].name: (150, 140)}
    per_level = {
        row["level"]: (row["current"]["points_issued"], row["draft"]["points_issued"]) for row in result["levels"]
    }
    assert per_level == {"": (400, 400), "Silver": (250, 40), "Gold": (100, 500)}


def test_most_changed_guests_come_first(alpha, levels, history, django_capture_on_commit_callbacks):
    guest_a, guest_b = history
    result = _backtest(alpha, levels, django_capture_on_commit_callbacks).result

    assert [
        (row["guest_id"], row["current_points"], row["draft_points"], row["difference"])
        for row in result["most_changed_guests"]
    ] == [
        (guest_a.pk, 600, 800, 200),
        (guest_b.pk, 150, 140, -10),
    ]
    assert result["most_changed_guests"][0]["name"] == "Anna Tester"


def test_only_the_period_is_replayed_and_earlier_spend_places_the_guest(
    alpha, levels, django_capture_on_commit_callbacks
):
    """A check 40 days ago (12000: Gold) is not replayed over 30 days, but the guest starts the period on Gold in
    both programs, so the 1000 of the period earns Gold's 10 %."""
    guest = GuestFactory(home_restaurant=alpha.restaurants[0])
    _pay(guest, alpha.restaurants[0], "12000", 40, "old")
    _pay(guest, alpha.restaurants[0], "1000", 2, "new")

    result = _backtest(alpha, levels, django_capture_on_commit_callbacks).result

    assert result["checks"] == 1
    assert (result["current"]["points_issued"], result["draft"]["points_issued"]) == (100, 100)
    assert result["current"]["points_redeemable"] == 500  # the 600 earned before, capped at half of 1000
