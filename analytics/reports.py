"""The same metrics as tables (title, header, rows): one table per CSV export, all of them in the CSV/XLSX report."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from analytics.metrics import Period
from maxloyalty.spreadsheets import append_xlsx_row, write_csv_rows


@dataclass(frozen=True)
class Table:
    slug: str
    title: str
    header: list[str]
    rows: list[list[Any]]


def _summary(data: dict[str, Any]) -> Table:
    totals, habits = data["totals"], data.get("habits", {})
    rows: list[list[Any]] = [
        [_("Guests registered"), totals["guests_total"]],
        [_("New guests"), totals["new_guests"]],
        [_("Active guests, last 30 days"), data["active_30"]],
        [_("Active guests, last 90 days"), data["active_90"]],
        [_("Visits of loyalty guests"), totals["visits"]],
        [_("Revenue from loyalty guests"), totals["loyalty_revenue_amount"]],
        [_("Revenue from other checks"), totals["other_revenue_amount"]],
        [_("Loyalty share of revenue, %"), totals["loyalty_revenue_share_percent"]],
        [_("Average check of loyalty guests"), totals["average_check_amount"]],
        [_("Points issued"), totals["points_issued"]],
        [_("Points redeemed"), totals["points_redeemed"]],
        [pgettext("metric", "Points expired"), totals["points_expired"]],
        [_("Outstanding points at the end"), totals["outstanding_points"]],
        [_("Liability of outstanding points"), totals["liability_amount"]],
    ]
    if habits:
        rows += [
            [_("Repeat-visit rate, %"), habits["repeat_rate_percent"]],
            [_("Visits per visiting guest"), habits["visits_per_guest"]],
        ]
    return Table("summary", _("Summary"), [_("Metric"), _("Value")], rows)


def _trends(data: dict[str, Any]) -> Table:
    header = [
        _("Day"),
        _("New guests"),
        _("Visits"),
        _("Revenue from loyalty guests"),
        _("Revenue from other checks"),
        _("Points issued"),
        _("Points redeemed"),
        pgettext("metric", "Points expired"),
        _("Outstanding points"),
        _("Liability"),
    ]
    rows = [
        [
            row["day"],
            row["new_guests"],
            row["visits"],
            row["loyalty_revenue_amount"],
            row["other_revenue_amount"],
            row["points_issued"],
            row["points_redeemed"],
            row["points_expired"],
            row["outstanding_points"],
            row["liability_amount"],
        ]
        for row in data["series"]
    ]
    return Table("daily", _("By day"), header, rows)


def _restaurants(data: dict[str, Any]) -> Table:
    header = [_("Restaurant"), _("New guests"), _("Visits"), _("Revenue from loyalty guests"), _("Revenue from other checks"), _("Points issued"), _("Points redeemed")]  # fmt: skip
    rows = [
        [
            row["name"],
            row["new_guests"],
            row["visits"],
            row["loyalty_revenue_amount"],
            row["other_revenue_amount"],
            row["points_issued"],
            row["points_redeemed"],
        ]
        for row in data["restaurants"]
    ]
    return Table("restaurants", _("Restaurants"), header, rows)


def _cohorts(data: dict[str, Any]) -> Table:
    width = max((len(row["months"]) for row in data["cohorts"]), default=0)
    header = [_("First visit month"), _("Guests"), *[_("Month %(n)s, %%") % {"n": n} for n in range(width)]]
    rows = [
        [row["cohort"].strftime("%Y-%m"), row["size"], *[cell["percent"] for cell in row["months"]]]
        for row in data["cohorts"]
    ]
    return Table("cohorts", _("Retention by month of first visit"), header, rows)


def _rfm(data: dict[str, Any]) -> Table:
    header = [_("Segment"), _("Definition"), _("Guests"), _("Share, %"), _("Visits"), _("Spend"), _("Average spend")]
    rows = [
        [
            str(row["name"]),
            str(row["definition"]),
            row["guests"],
            row["share_percent"],
            row["visits"],
            row["spend_amount"],
            row["average_spend_amount"],
        ]
        for row in data["rfm"]
    ]
    return Table("rfm", _("RFM segments"), header, rows)


def _top(data: dict[str, Any]) -> Table:
    rows = [[row["name"], row["visits"], row["spend_amount"]] for row in data["top_guests"]]
    return Table("top-guests", _("Top guests"), [_("Guest"), _("Visits"), _("Spend")], rows)


def _levels(data: dict[str, Any]) -> Table:
    rows = [[row["level"], row["guests"], row["share_percent"]] for row in data["levels"]]
    return Table("levels", _("Level distribution"), [_("Level"), _("Guests"), _("Share, %")], rows)


def _birthdays(data: dict[str, Any]) -> Table:
    rows = [[row["name"], row["birthday"].strftime("%d.%m")] for row in data["birthdays"]["guests"]]
    return Table("birthdays", _("Birthdays this week"), [_("Guest"), _("Birthday")], rows)


def _promos(data: dict[str, Any]) -> Table:
    header = [_("Promo"), _("Uses"), _("Guests"), _("Revenue of those checks"), _("Points given")]
    rows = [[row["promo"], row["uses"], row["guests"], row["revenue_amount"], row["points"]] for row in data["promos"]]
    return Table("promos", _("Promo performance"), header, rows)


BUILDERS = [_summary, _trends, _restaurants, _cohorts, _rfm, _top, _levels, _birthdays, _promos]


def report_tables(data: dict[str, Any]) -> list[Table]:
    return [build(data) for build in BUILDERS]


def table_by_slug(data: dict[str, Any], slug: str) -> Table | None:
    return next((table for table in report_tables(data) if table.slug == slug), None)


def tables_as_csv(tables: Iterable[Table], period: Period) -> str:
    out = io.StringIO()
    rows: list[Iterable[Any]] = [[_("Period"), period.start.isoformat(), period.end.isoformat()]]
    for table in tables:
        rows += [[], [table.title], table.header, *table.rows]
    write_csv_rows(out, rows)
    return out.getvalue()


def tables_as_xlsx(tables: Iterable[Table], period: Period) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]  # a new book's active sheet exists
    for table in tables:
        sheet = book.create_sheet(title=table.title[:31].replace("/", "-"))
        append_xlsx_row(sheet, [_("Period"), period.start, period.end])
        append_xlsx_row(sheet, table.header)
        for row in table.rows:
            append_xlsx_row(sheet, [_xlsx_value(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value: Any) -> Any:
    """Numbers, decimals, dates and empty cells as themselves; anything else as its text."""
    from decimal import Decimal

    if value is None or isinstance(value, (int, float, Decimal)) or hasattr(value, "isoformat"):
        return value
    return str(value)


def statement_table(rows: list[dict[str, Any]]) -> Table:
    """The liability statement (analytics.liability.monthly_statement): points and money per month."""
    names = ["opening", "issued", "redeemed", "expired", "other", "closing"]
    titles = [_("Opening balance"), _("Issued"), _("Redeemed"), _("Expired"), _("Reversed and adjusted"), _("Closing balance")]  # fmt: skip
    header = [
        _("Month"),
        *[_("%(figure)s, points") % {"figure": title} for title in titles],
        *[_("%(figure)s, money") % {"figure": title} for title in titles],
    ]
    body = [
        [
            row["month"].strftime("%Y-%m"),
            *[row[f"{name}_points"] for name in names],
            *[row[f"{name}_amount"] for name in names],
        ]
        for row in rows
    ]
    return Table("liability-statement", _("Points liability by month"), header, body)
