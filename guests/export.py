"""Guests as CSV rows for the streaming export, and as a whole CSV or XLSX file for the one written into the chain's
files: same columns as the import, contacts masked per role, every cell through maxloyalty.spreadsheets (never run
as a formula)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from guests.masking import mask_contact
from guests.models import ConsentChannel, Guest
from guests.selectors import loyalty_figures
from maxloyalty.spreadsheets import safe_row

if TYPE_CHECKING:
    import datetime

    from accounts.access import ChainAccess

COLUMNS = (
    "id",
    "phone",
    "first_name",
    "last_name",
    "email",
    "birthday",
    "gender",
    "language",
    "tags",
    "card_number",
    "note",
    "sms_consent",
    "email_consent",
    "telegram_consent",
    "status",
    "source",
    "home_restaurant",
    "points_available",
    "points_pending",
    "level",
    "first_visit_at",
    "last_visit_at",
    "created_at",
)


def _local(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def export_rows(*, access: ChainAccess | None, guests: QuerySet[Guest], chunk_size: int = 2000) -> Iterator[list[str]]:
    """The header, then one row per guest, reading the database in chunks (constant memory for any count)."""
    yield list(COLUMNS)
    for guest in guests.iterator(chunk_size=chunk_size):
        loyalty = loyalty_figures(guest) or {}
        level = loyalty.get("level") or {}
        yield safe_row(
            [
                str(guest.pk),
                mask_contact(guest.phone, kind="phone", access=access),
                guest.first_name,
                guest.last_name,
                mask_contact(guest.email, kind="email", access=access),
                guest.birthday.isoformat() if guest.birthday else "",
                guest.gender,
                guest.language,
                ";".join(guest.tags),
                guest.card_number or "",
                guest.note,
                *("yes" if guest.has_consent(channel) else "no" for channel in ConsentChannel.values),
                guest.status,
                guest.source,
                str(guest.home_restaurant_id or ""),
                "" if loyalty.get("available") is None else str(loyalty["available"]),
                "" if loyalty.get("pending") is None else str(loyalty["pending"]),
                str(level.get("name", "")),
                _local(guest.first_visit_at),
                _local(guest.last_visit_at),
                _local(guest.created_at),
            ]
        )


def write_guest_file(
    *, access: ChainAccess | None, guests: QuerySet[Guest], file_format: str, target: IO[bytes], sheet_title: str
) -> int:
    """The export's rows written to `target` as CSV (UTF-8 with a BOM, as the streamed one) or XLSX (write-only
    workbook); returns how many guests it holds."""
    count = -1  # the header is not a guest
    if file_format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=sheet_title[:31])
        for row in export_rows(access=access, guests=guests):
            sheet.append(row)
            count += 1
        workbook.save(target)
        return count
    text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
    text.write("\ufeff")  # BOM: spreadsheets then read the file as UTF-8
    writer = csv.writer(text)
    for row in export_rows(access=access, guests=guests):
        writer.writerow(row)
        count += 1
    text.detach()  # leave `target` open for the caller
    return count
