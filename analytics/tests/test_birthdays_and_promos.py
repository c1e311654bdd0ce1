"""Birthday guests of the current week and promo-code performance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from analytics import metrics
from analytics.metrics import Period
from analytics.tests.dataset import add_guest, local
from loyalty.services import create_promo, create_promo_code
from tests.checks import CheckSpec, register_guest, send_checks


def test_birthdays_this_week_run_from_monday_to_sunday_across_the_new_year(alpha) -> None:
    zone = ZoneInfo(alpha.chain.time_zone)
    created = local(zone, 2025, 6, 1)
    add_guest(created_at=created, home=alpha.restaurants[0], name="Sunday", birthday=dt.date(1990, 1, 4))
    add_guest(created_at=created, home=alpha.restaurants[0], name="Monday", birthday=dt.date(1985, 12, 29))
    add_guest(created_at=created, home=alpha.restaurants[0], name="Next", birthday=dt.date(1990, 1, 5))
    period = Period(start=dt.date(2025, 12, 1), end=dt.date(2025, 12, 31), restaurant_ids=None, zone=zone)

    week = metrics.birthdays_this_week(period, today=dt.date(2025, 12, 31))  # Wednesday; week 29 Dec – 4 Jan

    names = [row["name"] for row in week["guests"]]
    assert "Monday T." in names
    assert "Sunday T." in names
    assert "Next T." not in names
    assert (week["week_start"], week["week_end"]) == (dt.date(2025, 12, 29), dt.date(2026, 1, 4))


def test_promo_performance_counts_uses_revenue_and_points_without_refunded_checks(alpha) -> None:
    zone = ZoneInfo(alpha.chain.time_zone)
    guest = register_guest(home_restaurant_id=alpha.restaurants[0].id)
    promo = create_promo(actor=None, name="Spring x2", multiplier=Decimal(2), requires_code=True)
    create_promo_code(promo=promo, code="SPRING-ANALYTICS", actor=None, max_uses_per_guest=None)
    checks = [
        CheckSpec(
            total_amount=amount,
            guest=guest,
            restaurant=alpha.restaurants[0],
            closed_at=local(zone, 2025, 5, 10 + n),
            promo_code="SPRING-ANALYTICS",
            external_id=f"promo-check-{n}",
        )
        for n, amount in enumerate(["1000", "500", "700"])
    ]
    send_checks(alpha, checks)
    send_checks(alpha, [CheckSpec(total_amount="700", external_id="promo-check-2", is_refund=True)])  # refunded
    period = Period(start=dt.date(2025, 5, 1), end=dt.date(2025, 5, 31), restaurant_ids=None, zone=zone)

    rows = metrics.promo_performance(period)

    assert rows == [{"promo": "Spring x2", "uses": 2, "guests": 1, "revenue_amount": Decimal("1500.00"), "points": 150}]
    other_restaurant = Period(
        start=period.start, end=period.end, restaurant_ids=frozenset({alpha.restaurants[1].id}), zone=zone
    )
    assert metrics.promo_performance(other_restaurant) == []
