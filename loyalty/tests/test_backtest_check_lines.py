"""A backtest feeds each check's lines (kept on the applied check) to the rules as production did: a draft promo on
a product category changes the outcome of exactly the checks that had such a line, and the current program's
excluded categories and category promos replay to what production issued."""

import datetime
from decimal import Decimal

from django.db.models import Sum

from loyalty.models import AppliedCheck
from loyalty.program_draft import draft_version, version_data
from loyalty.rules import Check, CheckLine
from loyalty.selectors import current_program_version, local_now
from loyalty.services import apply_check, create_promo, update_program_settings
from loyalty.services.backtests import replay_period
from loyalty.services.check_batches import CheckToApply, apply_checks
from loyalty.tests.factories import GuestFactory


def _line(category, price, quantity=1, discount=0):
    return CheckLine(
        sku=f"{category}-{price}",
        name=category,
        category=category,
        quantity=Decimal(quantity),
        price=Decimal(price),
        discount=Decimal(discount),
    )


def _apply(guest, restaurant, key, days_ago, *lines, batch=False):
    """Through apply_check (the till, the API), or with `batch` through apply_checks (the POS receipts' path)."""
    total = sum((line.net_amount for line in lines), Decimal(0))
    check = Check(
        total_amount=total,
        lines=lines,
        at=local_now() - datetime.timedelta(days=days_ago),
        restaurant_id=restaurant.pk,
    )
    if batch:
        (result,) = apply_checks([CheckToApply(guest=guest, check=check, restaurant=restaurant, idempotency_key=key)])
        assert not isinstance(result, Exception)
    else:
        apply_check(guest=guest, check=check, restaurant=restaurant, idempotency_key=key)


def _replay(draft_data):
    now = local_now()
    current = current_program_version()
    return replay_period(
        draft=draft_version(draft_data, base=current.program),
        start=now - datetime.timedelta(days=30),
        end=now + datetime.timedelta(seconds=1),
    )


def test_a_draft_promo_on_desserts_changes_only_the_checks_with_a_dessert(alpha):
    first, second = alpha.restaurants[0], alpha.restaurants[1]
    sweet, plain = GuestFactory(home_restaurant=first), GuestFactory(home_restaurant=first)
    # Desserts only at the first restaurant, and only on two of the sweet guest's checks.
    _apply(sweet, first, "sweet-1", 9, _line("Mains", 600), _line("Dessert", 400))
    _apply(sweet, first, "sweet-2", 7, _line("Dessert", 150, quantity=2), _line("Drinks", 200, discount=50), batch=True)
    _apply(sweet, second, "sweet-3", 5, _line("Mains", 900))
    _apply(plain, second, "plain-1", 8, _line("Mains", 1200), _line("Drinks", 300), batch=True)
    _apply(plain, second, "plain-2", 3, _line("Mains", 700))
    assert AppliedCheck.objects.get(idempotency_key="sweet-2").lines == [
        ["Dessert-150", "Dessert", "2", "150", "0"],
        ["Drinks-200", "Drinks", "1", "200", "50"],
    ]

    data = version_data(current_program_version())  # 5 % base rate, no levels, no promos
    data["promos"] = [{"name": "Triple dessert", "multiplier": "3", "categories": ["Dessert"]}]
    result = _replay(data)

    # The promo adds the desserts' 5 % twice over: 400 → 40 points, 300 → 30 points.
    assert (result["current"]["points_issued"], result["draft"]["points_issued"]) == (227, 297)
    by_restaurant = {row["restaurant_id"]: row for row in result["restaurants"]}
    assert by_restaurant[first.pk]["draft"]["points_issued"] - by_restaurant[first.pk]["current"]["points_issued"] == 70
    second_issued = [by_restaurant[second.pk][side]["points_issued"] for side in ("current", "draft")]
    assert second_issued == [45 + 75 + 35] * 2  # (only the balance, and so what could be redeemed, differs there)
    assert [(row["guest_id"], row["difference"]) for row in result["most_changed_guests"]] == [(sweet.pk, 70)]


def test_excluded_categories_and_category_promos_replay_to_what_production_issued(alpha):
    update_program_settings(actor=None, changes={"excluded_categories": ["Alcohol"]})
    create_promo(actor=None, name="Coffee bonus", multiplier=Decimal(2), categories=["Coffee"])
    restaurant = alpha.restaurants[0]
    guests = [GuestFactory(home_restaurant=restaurant) for _ in range(3)]
    menus = [
        (_line("Alcohol", 900), _line("Mains", 1100)),
        (_line("Coffee", 250, quantity=3), _line("Alcohol", 500, discount=100)),
        (_line("Mains", 1800, discount=200),),
        (_line("Coffee", 180), _line("Dessert", 320), _line("Alcohol", 1000)),
    ]
    for number in range(12):
        _apply(guests[number % 3], restaurant, f"mixed-{number}", 20 - number, *menus[number % 4])

    result = _replay(version_data(current_program_version()))
    production = AppliedCheck.objects.aggregate(earned=Sum("points_earned"))["earned"]
    assert result["current"]["points_issued"] == result["draft"]["points_issued"] == production
    line_free = sum(  # what the same checks would have earned read as bare totals (no line excluded or promoted)
        int(sum((line.net_amount for line in menus[number % 4]), Decimal(0)) * 5 / 100) for number in range(12)
    )
    assert production != line_free  # the lines decided the figures
