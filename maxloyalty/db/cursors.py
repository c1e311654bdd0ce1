"""Database cursors for the hot path's fixed statements: values bound on the server (`bound_cursor`), and
statements prepared once per connection (`PreparingCursor`). Why and what it saves: docs/hot-path.md."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

PREPARE_ONLY_WHEN_ASKED = 2**62


class PreparingCursor(psycopg.Cursor):
    """A psycopg cursor that prepares every statement it runs (psycopg keeps the prepared statements of a
    connection, the most recent 100, by their text). Django turns psycopg's automatic preparing off, so Django's
    own queries are parsed and planned by the server on every run; a fixed statement run thousands of times a
    minute on the same persistent connections is parsed once per connection. A prepared statement is parsed again
    by the server when the search_path differs from the last run's (another tenant's schema) or a table it uses
    changed, so it never reaches another schema's tables."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
    ) -> Any:
        return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)

    def _send_query_prepared(self, name: bytes, pgq: Any, *, binary: bool | None = None) -> None:
        self._query = pgq  # as an unprepared run keeps it: Django's captured queries show the statement
        super()._send_query_prepared(name, pgq, binary=binary)


@contextmanager
def bound_cursor(connection: BaseDatabaseWrapper, *, prepare: bool = False) -> Iterator[CursorWrapper]:
    """A Django cursor over a psycopg server-binding cursor, for the hot path's fixed statements.

    Django's psycopg cursors bind on the client: every value is quoted into the SQL text in Python (for a long
    statement with many placeholders, after a regex split of its text on every run). Here the values go as
    parameters, which the driver dumps in C. The cursor is Django's own wrapper (opened through
    `connection.cursor()`, so the tenant's search_path is applied first, and logged like any other when queries
    are captured), so errors, wrappers and query counts stay as they are. Only for statements whose placeholders
    are plain values (no `%s` inside a literal) and whose types the database can infer or is told by a cast."""
    with connection.cursor():  # connects and applies the tenant's search_path
        driver_connection = connection.connection
        prepare = prepare and connection.settings_dict.get("PREPARE_HOT_STATEMENTS", False)
        if prepare and driver_connection.prepare_threshold is None:
            # Django turns psycopg's preparing off (None), and psycopg then ignores `prepare=True` too. A threshold
            # no statement reaches prepares what is asked to be prepared, and nothing else (Django's own cursors
            # bind on the client and are never prepared).
            driver_connection.prepare_threshold = PREPARE_ONLY_WHEN_ASKED
        raw = (PreparingCursor if prepare else psycopg.Cursor)(driver_connection)
        try:
            yield (
                connection.make_debug_cursor(raw)  # type: ignore[arg-type]  # Django wraps the driver's cursor
                if connection.queries_logged
                else connection.make_cursor(raw)  # type: ignore[arg-type]  # Django wraps the driver's cursor
            )
        finally:
            raw.close()
