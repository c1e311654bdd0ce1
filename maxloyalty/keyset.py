"""Keyset (seek) pagination, newest first, for the lists over tables that grow for years (the audit log, receipts,
the ledger, visits): a page is the rows just past a cursor holding the (time, id) of a row already shown.

Why not page numbers: OFFSET reads and throws away every row before the page (page 10,000 of the audit log reads
500,000 rows), a row written while someone pages shifts the next page by one (a repeated or a missed row), and a
count of a 5M-row table costs more than the page. A keyset page costs what the first page costs, and its bound on
the time column keeps PostgreSQL's partition pruning (the tables are partitioned by month on that column).

The order is (time desc, id desc): the id breaks ties between rows written in the same microsecond, so every row is
shown exactly once. The cursor is opaque (URL-safe base64 of JSON); it is only a position, never a permission: the
rows are whatever the caller's query lets them see (another chain's cursor used here shows this chain's rows).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from maxloyalty.errors import DomainError

Direction = Literal["older", "newer"]
Row = TypeVar("Row", bound=Model)


class InvalidCursor(DomainError):
    code, status, message = "invalid_cursor", 400, _("This page link is not valid (any more); start from the newest.")


@dataclass(frozen=True)
class Position:
    """A row's place in the order, and which side of it the wanted page lies on."""

    time: datetime
    id: int
    direction: Direction


def encode_cursor(position: Position) -> str:
    raw = json.dumps([position.direction, position.time.isoformat(), position.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    """The position a cursor names; anything else (edited, truncated, from another list's format) is InvalidCursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        direction, time_text, row_id = json.loads(raw)
        time = datetime.fromisoformat(time_text)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor() from None
    valid = (
        direction in ("older", "newer")
        and time.tzinfo is not None
        and isinstance(row_id, int)
        and not isinstance(row_id, bool)
        and 0 < row_id < 2**63
    )
    if not valid:
        raise InvalidCursor()
    return Position(time=time, id=row_id, direction=direction)


@dataclass(frozen=True)
class KeysetPage(Generic[Row]):
    """One page, newest first, with the cursors of its neighbours (None: there is none)."""

    rows: list[Row]
    older_cursor: str | None
    newer_cursor: str | None
    cursor_was_invalid: bool = False  # pages show the first page and say so; the API answers 400 instead

    @property
    def has_older(self) -> bool:
        return self.older_cursor is not None

    @property
    def has_newer(self) -> bool:
        return self.newer_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_older or self.has_newer


def _past(time_field: str, position: Position) -> Q:
    """The rows on the wanted side of the position, in (time, id) order. The plain bound on the time column
    (redundant with the OR) is what lets PostgreSQL prune partitions and start the index scan at the position."""
    if position.direction == "older":
        return Q(**{f"{time_field}__lte": position.time}) & (
            Q(**{f"{time_field}__lt": position.time}) | Q(**{time_field: position.time, "pk__lt": position.id})
        )
    return Q(**{f"{time_field}__gte": position.time}) & (
        Q(**{f"{time_field}__gt": position.time}) | Q(**{time_field: position.time, "pk__gt": position.id})
    )


def _cursor(row: Model, time_field: str, direction: Direction) -> str:
    return encode_cursor(Position(time=getattr(row, time_field), id=int(row.pk), direction=direction))


def keyset_page(
    queryset: QuerySet[Row], *, time_field: str, cursor: str | None, size: int, lenient: bool = False
) -> KeysetPage[Row]:
    """The page of `queryset` (already filtered to what the caller may see) that `cursor` names, or the newest.

    One query per page (two when a "newer" page reaches the newest rows: it is then the first page, full).
    An invalid cursor raises InvalidCursor, or, `lenient` (pages), gives the first page marked cursor_was_invalid.
    """
    position: Position | None = None
    if cursor:
        try:
            position = decode_cursor(cursor)
        except InvalidCursor:
            if not lenient:
                raise
            return _replace_invalid(keyset_page(queryset, time_field=time_field, cursor=None, size=size))
    newest_first = queryset.order_by(f"-{time_field}", "-pk")
    if position is None:
        rows = list(newest_first[: size + 1])
        older = _cursor(rows[size - 1], time_field, "older") if len(rows) > size else None
        return KeysetPage(rows=rows[:size], older_cursor=older, newer_cursor=None)
    if position.direction == "older":
        rows = list(newest_first.filter(_past(time_field, position))[: size + 1])
        older = _cursor(rows[size - 1], time_field, "older") if len(rows) > size else None
        rows = rows[:size]
        # A row the cursor came from is newer: the way back is from this page's first row (or, on an empty page past
        # the end, from the cursor's own position).
        newer = (
            _cursor(rows[0], time_field, "newer")
            if rows
            else encode_cursor(Position(time=position.time, id=position.id, direction="newer"))
        )
        return KeysetPage(rows=rows, older_cursor=older, newer_cursor=newer)
    oldest_first = queryset.order_by(time_field, "pk")
    rows = list(oldest_first.filter(_past(time_field, position))[: size + 1])
    if len(rows) < size:  # the newest rows: show the first page, full, rather than a short top page
        return keyset_page(queryset, time_field=time_field, cursor=None, size=size)
    above = _cursor(rows[size - 1], time_field, "newer") if len(rows) > size else None
    rows = rows[:size][::-1]
    return KeysetPage(rows=rows, older_cursor=_cursor(rows[-1], time_field, "older"), newer_cursor=above)


def _replace_invalid(page: KeysetPage[Row]) -> KeysetPage[Row]:
    return KeysetPage(
        rows=page.rows, older_cursor=page.older_cursor, newer_cursor=page.newer_cursor, cursor_was_invalid=True
    )


def cursor_parameter(values: Any) -> str | None:
    """The cursor of a request's query (request.GET / query_params), None when absent or empty."""
    value = values.get("cursor")
    return str(value) if value else None
