"""Metric functions against figures computed by hand from analytics.tests.dataset (January–March 2026)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from analytics import metrics
from analytics.metrics import Period
from loyalty.models import PointsAccount


def test_period_totals_add_up_visits_revenue_and_points(q1: Period) -> None:
    totals = metrics.period_totals(q1)
    assert totals["new_guests"] == 5
    assert totals["visits"] == 11
    assert totals["loyalty_revenue_amount"] == Decimal("9700.00")
    assert totals["other_revenue_amount"] == Decimal("4000.00")
    assert totals["loyalty_revenue_share_percent"] == Decimal("70.8")  # 9700 / 13700
    assert totals["average_check_amount"] == Decimal("881.82")  # 9700 / 11
    assert (totals["points_issued"], totals["points_redeemed"], totals["points_expired"]) == (245, 60, 20)


def test_liability_is_outstanding_points_times_point_value_and_matches_the_balances(q1: Period, fixed_data) -> None:
    totals = metrics.period_totals(q1)
    balances = sum(
        account.available + account.pending
        for account in PointsAccount.objects.filter(guest__in=fixed_data.guests.values())
    )
    assert totals["outstanding_points"] == balances == 175
    assert totals["liability_amount"] == Decimal("87.50")  # 175 points × 0.50


def test_liability_over_time_is_the_running_balance_at_each_days_end(q1: Period) -> None:
    by_day = {row["day"]: row for row in metrics.daily_series(q1)}
    assert len(by_day) == 90
    assert by_day[dt.date(2026, 1, 31)]["outstanding_points"] == 215  # 100 + 50 + 25 + 40
    assert by_day[dt.date(2026, 2, 28)]["outstanding_points"] == 185  # −30 + 30 − 30
    assert by_day[dt.date(2026, 3, 30)]["outstanding_points"] == 195  # +10
    assert by_day[dt.date(2026, 3, 31)]["liability_amount"] == Decimal("87.50")  # 23:00 local expiry of 20


def test_a_first_restaurant_filter_counts_only_its_rows(q1_first_restaurant: Period) -> None:
    totals = metrics.period_totals(q1_first_restaurant)
    assert totals["visits"] == 6
    assert totals["loyalty_revenue_amount"] == Decimal("5900.00")
    assert totals["other_revenue_amount"] == Decimal("3000.00")
    assert totals["new_guests"] == 2
    assert (totals["points_issued"], totals["points_redeemed"], totals["points_expired"]) == (105, 30, 0)


def test_repeat_rate_and_visit_frequency(q1: Period, q1_first_restaurant: Period) -> None:
    habits = metrics.visit_habits(q1)
    assert (habits["visiting_guests"], habits["repeat_guests"]) == (4, 3)
    assert habits["repeat_rate_percent"] == Decimal("75.0")
    assert habits["visits_per_guest"] == Decimal("2.75")  # 11 visits / 4 guests
    assert metrics.visit_habits(q1_first_restaurant)["repeat_rate_percent"] == Decimal("33.3")  # A of A, C, D


def test_cohorts_by_month_of_first_visit_in_the_chains_time_zone(q1: Period) -> None:
    table = metrics.retention_cohorts(q1)
    assert [(row["cohort"], row["size"]) for row in table] == [(dt.date(2026, 1, 1), 2), (dt.date(2026, 2, 1), 2)]
    assert [cell["percent"] for cell in table[0]["months"]] == [Decimal(100), Decimal(50), Decimal(100)]
    assert [cell["percent"] for cell in table[1]["months"]] == [Decimal(100), Decimal(50)]


def test_cohorts_of_one_restaurant_count_only_its_visits(q1_first_restaurant: Period) -> None:
    table = metrics.retention_cohorts(q1_first_restaurant)
    assert [(row["cohort"], row["size"]) for row in table] == [(dt.date(2026, 1, 1), 1), (dt.date(2026, 2, 1), 2)]
    assert [cell["guests"] for cell in table[0]["months"]] == [1, 1, 1]
    assert [cell["guests"] for cell in table[1]["months"]] == [2, 0]


def _segments(period: Period) -> dict[str, int]:
    return {row["segment"]: row["guests"] for row in metrics.rfm_segments(period) if row["guests"]}


def test_rfm_segments_at_the_end_of_the_quarter(q1: Period) -> None:
    assert _segments(q1) == {"champions": 1, "loyal": 2, "promising": 1}


def test_rfm_segments_four_months_later_turn_into_at_risk_and_lost(q1: Period) -> None:
    assert _segments(replace(q1, end=dt.date(2026, 7, 31))) == {"at_risk": 3, "lost": 1}


def test_top_guests_by_spend(q1: Period) -> None:
    top = metrics.top_guests(q1)
    assert [(row["name"], row["visits"], row["spend_amount"]) for row in top] == [
        ("Alice T.", 5, Decimal("6000.00")),
        ("Dmitry T.", 3, Decimal("2200.00")),
        ("Boris T.", 2, Decimal("1200.00")),
        ("Clara T.", 1, Decimal("300.00")),
    ]


def test_level_distribution_counts_current_levels(q1: Period) -> None:
    levels = {row["level"]: row["guests"] for row in metrics.level_distribution(q1)}
    assert levels["Analytics Bronze"] == 2
    assert levels["Analytics Silver"] == 1


def test_active_guests_in_the_last_30_and_90_days_of_the_period(q1: Period) -> None:
    assert metrics.active_guests(q1, 30) == 3  # A, B (5 March), D; C last came on 1 February
    assert metrics.active_guests(q1, 90) == 4
