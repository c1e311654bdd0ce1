"""Keyset ("seek") pagination for lists shown newest first by (a time column, id): the next page is "the rows
older than the last one shown", an index range, where a page number makes PostgreSQL read and skip every row
before it (OFFSET). Pages carry an opaque cursor, "<microseconds since the epoch>_<id>", of the row at the edge.

The condition is written as `time <= t AND NOT (time = t AND id >= i)` rather than a row comparison: the time
column's own index serves it (a range from t), and rows sharing a time are told apart by id.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet

ModelT = TypeVar("ModelT", bound=Model)

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)


@dataclass(frozen=True)
class KeysetPage(Generic[ModelT]):
    rows: list[ModelT]
    next_cursor: str | None  # the rows after the last one shown (older), None on the last page
    previous_cursor: str | None  # the rows before the first one shown (newer), None on the first page


def encode_cursor(moment: datetime.datetime, pk: int) -> str:
    return f"{(moment - _EPOCH) // _MICROSECOND}_{pk}"


def decode_cursor(text: str | None) -> tuple[datetime.datetime, int] | None:
    """The (time, id) of a cursor; None for a missing or malformed one (the list then starts at its first page)."""
    micros, _, pk = (text or "").partition("_")
    try:
        return _EPOCH + int(micros) * _MICROSECOND, int(pk)
    except (ValueError, OverflowError):
        return None


def keyset_page(
    queryset: QuerySet[ModelT],
    *,
    size: int,
    after: str | None = None,
    before: str | None = None,
    time_field: str = "created_at",
) -> KeysetPage[ModelT]:
    """One page of `queryset` in the order (time_field desc, id desc): the first page, the page after the row of
    cursor `after`, or the page before the row of cursor `before`."""
    newer_than = decode_cursor(before)
    older_than = decode_cursor(after) if newer_than is None else None
    if newer_than is not None:
        moment, pk = newer_than
        newer = queryset.filter(**{f"{time_field}__gte": moment}).exclude(**{time_field: moment, "pk__lte": pk})
        rows = list(newer.order_by(time_field, "pk")[: size + 1])
        has_more = len(rows) > size
        rows = rows[:size][::-1]
        return KeysetPage(
            rows=rows,
            next_cursor=_cursor_of(rows[-1], time_field) if rows else None,
            previous_cursor=_cursor_of(rows[0], time_field) if has_more else None,
        )
    if older_than is not None:
        moment, pk = older_than
        queryset = queryset.filter(**{f"{time_field}__lte": moment}).exclude(**{time_field: moment, "pk__gte": pk})
    rows = list(queryset.order_by(f"-{time_field}", "-pk")[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows=rows,
        next_cursor=_cursor_of(rows[-1], time_field) if has_more else None,
        previous_cursor=_cursor_of(rows[0], time_field) if older_than is not None and rows else None,
    )


def _cursor_of(row: Any, time_field: str) -> str:
    return encode_cursor(getattr(row, time_field), int(row.pk))
