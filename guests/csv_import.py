"""Reading a guests CSV file: the header check and each row parsed into an ImportedGuest or the reason it is refused.

A pure parser: it reads the file and writes nothing; guests.services.import_guests_csv merges the rows (for
`manage.py import_guests` and the ImportJob Celery task). Columns (first line, any order, `,` `;` or tab
separated, UTF-8 or Windows-1251): phone (required); first_name, last_name, email, birthday (YYYY-MM-DD or
DD.MM.YYYY), gender (female/male, f/m, ж/м), language (ru/en), tags (separated by `;` or `|`), card_number,
note, sms_consent, email_consent, telegram_consent (yes/no, 1/0, true/false, да/нет; empty = unchanged).
Unknown columns are ignored and listed in the report.
"""

from __future__ import annotations

import codecs
import csv
import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guests.errors import ImportFileInvalid
from guests.models import ConsentChannel, Gender

KNOWN_COLUMNS = (
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
)
_GENDERS = {
    "female": Gender.FEMALE,
    "f": Gender.FEMALE,
    "ж": Gender.FEMALE,
    "male": Gender.MALE,
    "m": Gender.MALE,
    "м": Gender.MALE,
}
_YES = {"yes", "y", "1", "true", "да", "+"}
_NO = {"no", "n", "0", "false", "нет", "-"}
_LENGTHS = {"first_name": 100, "last_name": 100, "email": 254, "note": 5000}


class RowInvalid(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ImportedGuest:
    phone: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    birthday: datetime.date | None = None
    gender: str = ""
    language: str = ""
    tags: list[str] = field(default_factory=list)
    card_number: str = ""
    note: str = ""
    consents: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class GuestFile:
    """A guests file as read: the columns it has that we do not know, and its non-empty rows in order, each as
    (line number, the parsed guest or why the row is refused)."""

    ignored_columns: list[str]
    rows: Iterator[tuple[int, ImportedGuest | RowInvalid]]


def _parse_birthday(text: str) -> datetime.date | None:
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            day = datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a date, no time zone)
        except ValueError:
            continue
        if not datetime.date(1900, 1, 1) <= day <= datetime.date.today():  # noqa: DTZ011 (a calendar check)
            raise RowInvalid(_("birthday %(value)s is out of range") % {"value": text})
        return day
    raise RowInvalid(_("birthday %(value)s is not a date (use YYYY-MM-DD or DD.MM.YYYY)") % {"value": text})


def _parse_consent(column: str, text: str) -> bool | None:
    value = text.strip().lower()
    if not value:
        return None
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise RowInvalid(_("%(column)s must be yes or no, not %(value)s") % {"column": column, "value": text})


def parse_row(cells: dict[str, str]) -> ImportedGuest:
    """An ImportedGuest from one row's cells (column name → text); RowInvalid says what is wrong."""
    values = {key: (value or "").strip() for key, value in cells.items()}
    if not values.get("phone"):
        raise RowInvalid(_("phone is empty"))
    for column, limit in _LENGTHS.items():
        if len(values.get(column, "")) > limit:
            raise RowInvalid(
                ngettext(
                    "%(column)s is longer than %(limit)d character",
                    "%(column)s is longer than %(limit)d characters",
                    limit,
                )
                % {"column": column, "limit": limit}
            )
    gender_text = values.get("gender", "").lower()
    if gender_text and gender_text not in _GENDERS:
        raise RowInvalid(_("gender must be female or male, not %(value)s") % {"value": values["gender"]})
    language = values.get("language", "").lower()
    if language and language not in dict(settings.LANGUAGES):
        raise RowInvalid(_("language %(value)s is not supported") % {"value": values["language"]})
    tags_text = values.get("tags", "").replace("|", ";")
    consents = {}
    for channel in ConsentChannel.values:
        given = _parse_consent(f"{channel}_consent", values.get(f"{channel}_consent", ""))
        if given is not None:
            consents[channel] = given
    return ImportedGuest(
        phone=values["phone"],
        first_name=values.get("first_name", ""),
        last_name=values.get("last_name", ""),
        email=values.get("email", ""),
        birthday=_parse_birthday(values.get("birthday", "")),
        gender=_GENDERS.get(gender_text, ""),
        language=language,
        tags=[tag.strip() for tag in tags_text.split(";") if tag.strip()],
        card_number=values.get("card_number", ""),
        note=values.get("note", ""),
        consents=consents,
    )


def _text_stream(binary: IO[bytes]) -> IO[str]:
    """UTF-8 (with or without BOM) or, when that fails on the first 64 KB, Windows-1251 (Excel in Russia)."""
    head = binary.read(65536)
    binary.seek(0)
    try:
        head.decode("utf-8")
        encoding = "utf-8-sig"
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the 64 KB boundary is still UTF-8.
        encoding = "utf-8-sig" if error.start >= len(head) - 3 else "cp1251"
    # A StreamReader is a text stream; typeshed's reader factory types neither that nor its `errors` argument.
    return codecs.getreader(encoding)(binary, errors="strict")  # type: ignore[return-value, call-arg]  # see above


def _open(binary: IO[bytes]) -> tuple[csv.DictReader[str], list[str]]:
    """A streaming reader over the file; the delimiter is the one the header line uses most."""
    binary.seek(0)
    try:
        first_line = _text_stream(binary).readline()
    except UnicodeDecodeError as error:
        raise ImportFileInvalid(_("The file is neither UTF-8 nor Windows-1251 text.")) from error
    binary.seek(0)
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.DictReader(_text_stream(binary), delimiter=delimiter)
    columns = [(name or "").strip().lower().lstrip("\ufeff") for name in (reader.fieldnames or [])]
    if "phone" not in columns:
        raise ImportFileInvalid(_("The first line must name the columns and include “phone”."))
    reader.fieldnames = columns
    return reader, columns


def count_rows(binary: IO[bytes]) -> int:
    reader, _columns = _open(binary)
    try:
        return sum(1 for _line in _rows(reader))
    except UnicodeDecodeError as error:
        raise ImportFileInvalid(
            _("Line %(line)d is neither UTF-8 nor Windows-1251 text.") % {"line": reader.line_num + 1}
        ) from error


def _rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str]]]:
    for cells in reader:
        if not any((value or "").strip() for value in cells.values() if isinstance(value, str)):
            continue
        yield (
            reader.line_num,
            {key: value for key, value in cells.items() if isinstance(key, str) and isinstance(value, str)},
        )


def read_guest_file(binary: IO[bytes]) -> GuestFile:
    """The file's header checked (ImportFileInvalid otherwise) and its rows parsed one by one as they are read."""
    reader, columns = _open(binary)
    return GuestFile(
        ignored_columns=[column for column in columns if column and column not in KNOWN_COLUMNS],
        rows=_parsed(reader),
    )


def _parsed(reader: csv.DictReader[str]) -> Iterator[tuple[int, ImportedGuest | RowInvalid]]:
    for line, cells in _rows(reader):
        try:
            yield line, parse_row(cells)
        except RowInvalid as refusal:
            yield line, refusal
