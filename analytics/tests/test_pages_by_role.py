"""Dashboard, analytics page, per-metric CSV and the report: who may open them, and a manager sees only their
restaurants' figures everywhere."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.fixtures import signed_in_client

Q1 = "start=2026-01-01&end=2026-03-31"
PAGES = [
    "/dashboard/",
    f"/analytics/?{Q1}",
    f"/analytics/export/rfm.csv?{Q1}",
    f"/analytics/export/daily.csv?{Q1}",
    f"/analytics/report/?{Q1}&format=csv",
    f"/analytics/report/?{Q1}&format=xlsx",
]


@pytest.mark.parametrize("role", ["owner", "admin", "manager"])
def test_every_analytics_page_opens_for_staff_who_may_see_it(alpha, fixed_data, role) -> None:
    client = signed_in_client(alpha, role)
    for path in PAGES:
        assert client.get(path).status_code == 200, path


def test_cashier_gets_403_on_every_analytics_page(alpha) -> None:
    client = signed_in_client(alpha, "cashier")
    for path in PAGES:
        assert client.get(path).status_code == 403, path


def test_owner_sees_the_whole_chain_on_the_analytics_page(alpha, fixed_data) -> None:
    page = signed_in_client(alpha, "owner").get(f"/analytics/?{Q1}").content.decode()
    assert 'data-testid="loyalty-revenue">9700.00<' in page
    assert "Alpha Riverside" in page


def test_manager_sees_only_their_restaurants_on_the_analytics_page(alpha, fixed_data) -> None:
    page = signed_in_client(alpha, "manager").get(f"/analytics/?{Q1}").content.decode()
    assert 'data-testid="loyalty-revenue">5900.00<' in page
    assert "Alpha Riverside" not in page
    assert "Boris" not in page  # a guest of the other restaurant only


def test_manager_asking_for_another_restaurant_still_gets_only_their_own(alpha, fixed_data) -> None:
    other = alpha.restaurants[1].id
    page = signed_in_client(alpha, "manager").get(f"/analytics/?{Q1}&restaurant={other}").content.decode()
    assert 'data-testid="loyalty-revenue">5900.00<' in page


def test_manager_exports_and_report_hold_only_their_restaurants(alpha, fixed_data) -> None:
    client = signed_in_client(alpha, "manager")
    report = client.get(f"/analytics/report/?{Q1}&format=csv").content.decode()
    assert "5900.00" in report
    assert "9700.00" not in report
    assert "Riverside" not in report
    top = client.get(f"/analytics/export/top-guests.csv?{Q1}").content.decode()
    assert "Alice T." in top
    assert "Boris" not in top
    book = load_workbook(io.BytesIO(client.get(f"/analytics/report/?{Q1}&format=xlsx").content))
    cells = [str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "Alpha Center" in cells
    assert "Alpha Riverside" not in cells


def test_owner_report_covers_every_metric(alpha, fixed_data) -> None:
    response = signed_in_client(alpha, "owner").get(f"/analytics/report/?{Q1}&format=xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="report-2026-01-01-2026-03-31.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 9
    summary = {row[0]: row[1] for row in book.worksheets[0].iter_rows(min_row=3, values_only=True)}
    assert summary["Revenue from loyalty guests"] == 9700
    assert summary["Liability of outstanding points"] == 87.5
    assert summary["Repeat-visit rate, %"] == 75


def test_invalid_range_shows_the_error_and_keeps_what_was_typed(alpha) -> None:
    page = signed_in_client(alpha, "owner").get("/analytics/?start=2026-03-31&end=2026-01-01").content.decode()
    assert "The end must not be before the start." in page
    assert 'value="2026-03-31"' in page


def test_dashboard_stays_within_its_query_budget(alpha, fixed_data, django_assert_max_num_queries) -> None:
    client = signed_in_client(alpha, "owner")
    client.get("/dashboard/")  # roll-ups refreshed and cached
    with django_assert_max_num_queries(12):
        response = client.get("/dashboard/")
    assert response.status_code == 200
