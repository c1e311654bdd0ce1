"""Outstanding points, the expiry schedule, cohort rates and the forecast against the hand-computed liability data
set (analytics.tests.liability_dataset)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from analytics.liability import liability_summary
from analytics.tests.liability_dataset import LiabilityData, build_liability_data


@pytest.fixture
def data(alpha) -> LiabilityData:
    return build_liability_data(alpha)


def test_outstanding_points_are_available_and_pending_in_points_and_money_per_restaurant(alpha, data) -> None:
    out = liability_summary(data.zone)["outstanding"]
    assert (out["available_points"], out["pending_points"], out["total_points"]) == (180, 60, 240)
    assert (out["available_amount"], out["pending_amount"], out["total_amount"]) == (
        Decimal("90.00"),
        Decimal("30.00"),
        Decimal("120.00"),
    )
    r0, r1 = alpha.restaurants
    by_restaurant = {
        row["restaurant_id"]: (row["available_points"], row["pending_points"]) for row in out["restaurants"]
    }
    assert by_restaurant == {r0.id: (150, 0), r1.id: (0, 60), None: (30, 0)}


def test_expiry_schedule_puts_open_lots_in_their_expiry_month_and_lots_without_expiry_apart(data) -> None:
    schedule = liability_summary(data.zone)["schedule"]
    assert len(schedule["months"]) == 12
    assert schedule["months"][0]["month"] == data.today.replace(day=1)
    points = {row["month"]: row["points"] for row in schedule["months"] if row["points"]}
    assert points == {data.next_month: 150}  # the pending 60 are not in the schedule
    assert schedule["months"][1]["amount"] == Decimal("75.00")
    assert (schedule["no_expiry_points"], schedule["later_points"]) == (30, 0)


def test_cohorts_split_issued_points_into_redeemed_expired_other_and_open(data) -> None:
    cohorts = {row["cohort"]: row for row in liability_summary(data.zone)["cohorts"]}
    figures = {
        month: (
            row["issued_points"],
            row["redeemed_points"],
            row["expired_points"],
            row["other_points"],
            row["open_points"],
        )
        for month, row in cohorts.items()
    }
    assert figures == {
        dt.date(2026, 1, 1): (100, 30, 70, 0, 0),
        dt.date(2026, 2, 1): (40, 0, 0, 10, 30),
        dt.date(2026, 3, 1): (200, 50, 0, 0, 150),
        data.today.replace(day=1): (60, 0, 0, 0, 60),
    }
    january = cohorts[dt.date(2026, 1, 1)]
    assert (january["redemption_rate_percent"], january["breakage_rate_percent"]) == (Decimal("30.0"), Decimal("70.0"))
    assert [month for month, row in cohorts.items() if row["is_mature"]] == [dt.date(2026, 1, 1)]


def test_forecast_applies_the_breakage_rate_of_mature_cohorts_to_each_expiry_month(data) -> None:
    summary = liability_summary(data.zone)
    assert summary["breakage_rate_percent"] == Decimal("70.0")
    forecast = {row["month"]: row for row in summary["forecast"]}
    following = forecast[data.next_month]
    assert (following["expire_points"], following["redeem_points"]) == (105, 45)
    assert (following["expire_amount"], following["redeem_amount"]) == (Decimal("52.50"), Decimal("22.50"))
    assert sum(row["points"] for row in summary["forecast"]) == 150


def test_another_chains_ledger_is_never_in_the_figures(alpha, beta, data) -> None:
    from django_tenants.utils import schema_context

    from loyalty.models import EntryKind
    from loyalty.services.ledger import accrue_points
    from loyalty.tests.factories import GuestFactory

    with schema_context(beta.chain.schema_name):
        stranger = GuestFactory(home_restaurant=beta.restaurants[0])
        accrue_points(guest=stranger, points=5000, kind=EntryKind.WELCOME, idempotency_key="beta-liability")
    out = liability_summary(data.zone)["outstanding"]
    assert out["total_points"] == 240
