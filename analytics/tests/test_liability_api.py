"""The liability API: summary and statement figures, and a bad month refused with 400 and the field named."""

from __future__ import annotations

import pytest

from analytics.tests.liability_dataset import LiabilityData, build_liability_data
from tests.fixtures import api_as


@pytest.fixture
def data(alpha) -> LiabilityData:
    return build_liability_data(alpha)


def test_summary_carries_outstanding_schedule_and_forecast_in_the_chains_currency(alpha, data) -> None:
    body = api_as(alpha, "owner").get("/api/v1/analytics/liability").json()
    assert body["currency"] == alpha.chain.currency
    assert body["outstanding"]["total_points"] == 240
    assert body["outstanding"]["total_amount"] == "120.00"
    assert body["schedule"]["months"][1] == {
        "month": data.next_month.strftime("%Y-%m"),
        "points": 150,
        "amount": "75.00",
    }
    assert body["breakage_rate_percent"] == "70.0"
    assert body["forecast"][1]["expire_points"] == 105


def test_statement_returns_the_months_asked_for(alpha, data) -> None:
    body = api_as(alpha, "owner").get("/api/v1/analytics/liability/statement?from=2026-03&to=2026-04").json()
    assert [(row["month"], row["opening_points"], row["closing_points"]) for row in body["months"]] == [
        ("2026-03", 110, 300),
        ("2026-04", 300, 180),
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [("from=2026-13&to=2026-04", "from"), ("from=2026-01&to=April", "to"), ("from=2026-05&to=2026-04", "from")],
)
def test_a_bad_month_is_refused_with_400_naming_the_field(alpha, query, field) -> None:
    response = api_as(alpha, "owner").get(f"/api/v1/analytics/liability/statement?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_month"
    assert field in error["fields"]
