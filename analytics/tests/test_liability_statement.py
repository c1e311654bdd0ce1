"""The accountant's monthly statement: closing = opening + issued − redeemed − expired + other, month after month,
in points and money, and its CSV and XLSX downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from analytics.liability import monthly_statement
from analytics.tests.liability_dataset import LiabilityData, build_liability_data
from tests.fixtures import signed_in_client


@pytest.fixture
def data(alpha) -> LiabilityData:
    return build_liability_data(alpha)


def _statement(data: LiabilityData) -> list[dict]:
    return monthly_statement(data.zone, dt.date(2026, 1, 1), data.today.replace(day=1))


def test_each_month_rolls_forward_to_its_closing_balance_in_points_and_money(data) -> None:
    rows = _statement(data)
    opening = 0
    for row in rows:
        assert row["opening_points"] == opening
        for unit in ("points", "amount"):
            assert row[f"closing_{unit}"] == (
                row[f"opening_{unit}"]
                + row[f"issued_{unit}"]
                - row[f"redeemed_{unit}"]
                - row[f"expired_{unit}"]
                + row[f"other_{unit}"]
            ), row["month"]
        opening = row["closing_points"]


def test_statement_holds_the_hand_computed_figures(data) -> None:
    by_month = {row["month"]: row for row in _statement(data)}
    figures = {
        month: (row["opening_points"], row["issued_points"], row["redeemed_points"], row["expired_points"],
                row["other_points"], row["closing_points"])
        for month, row in by_month.items() if month <= dt.date(2026, 4, 1)
    }  # fmt: skip
    assert figures == {
        dt.date(2026, 1, 1): (0, 100, 0, 0, 0, 100),
        dt.date(2026, 2, 1): (100, 40, 30, 0, 0, 110),
        dt.date(2026, 3, 1): (110, 200, 0, 0, -10, 300),
        dt.date(2026, 4, 1): (300, 0, 50, 70, 0, 180),
    }
    this_month = by_month[data.today.replace(day=1)]
    assert (this_month["issued_points"], this_month["closing_points"]) == (60, 240)
    assert this_month["closing_amount"] == Decimal("120.00")  # equals the outstanding liability now
    assert by_month[dt.date(2026, 4, 1)]["expired_amount"] == Decimal("35.00")


def test_csv_export_lists_every_month_with_points_and_money(alpha, data) -> None:
    response = signed_in_client(alpha, "owner").get("/analytics/liability/statement/?from=2026-01&to=2026-04")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="liability-2026-01-2026-04.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff")), delimiter=";"))
    if len(rows[0]) == 1:  # the project's separator may be a comma
        rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    months = [row for row in rows if row and row[0].startswith("2026-0") and len(row) == 13]
    assert [row[0] for row in months] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    april = months[3]
    assert april[1:7] == ["300", "0", "50", "70", "0", "180"]
    assert [Decimal(value) for value in april[7:]] == [Decimal(v) for v in ("150", "0", "25", "35", "0", "90")]


def test_xlsx_export_holds_the_same_statement(alpha, data) -> None:
    response = signed_in_client(alpha, "owner").get(
        "/analytics/liability/statement/?from=2026-01&to=2026-04&format=xlsx"
    )
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(min_row=3, values_only=True))
    assert [row[0] for row in rows] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert list(rows[2][1:7]) == [110, 200, 0, 0, -10, 300]
    assert rows[2][12] == 150  # closing money of March: 300 × 0.50


def test_the_page_shows_the_months_asked_for_and_says_when_a_month_is_wrong(alpha, data) -> None:
    client = signed_in_client(alpha, "owner")
    page = client.get("/analytics/liability/?from=2026-03&to=2026-04").content.decode()
    assert "<td>2026-03</td><td>110</td><td>200</td><td>0</td><td>0</td><td>-10</td><td>300</td>" in page
    wrong = client.get("/analytics/liability/?from=2026-3x")
    assert wrong.status_code == 200
    assert "Enter a month as YYYY-MM." in wrong.content.decode()
    export = client.get("/analytics/liability/statement/?from=2026-05&to=2026-04")
    assert export.status_code == 400
    assert "from: The first month must not be after the last." in export.content.decode()
