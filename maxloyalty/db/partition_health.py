"""The partitions of many chain schemas asked at once, for the readiness check and the metrics: one statement over
the catalog (pg_class by name) for every schema, never a loop of schema switches.

maxloyalty.db.partitions answers for the current schema (what maintenance does there); this module answers the
platform's question "which chain lacks what" given the chains' schema names (the caller knows which chains are
served; this module knows no app).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, Protocol

from django.utils import timezone

from maxloyalty.db.partitions import (
    add_months,
    default_partition_name,
    month_start,
    partition_name,
    partitioned_tables,
)


class Cursor(Protocol):
    """A DB-API cursor: Django's, or psycopg's own (the readiness check's connection)."""

    def execute(self, query: Any, params: Any = ...) -> Any: ...

    def fetchall(self) -> list[Any]: ...


def expected_partitions(*, now: datetime.datetime | None = None) -> list[str]:
    """The partitions every chain schema must hold now: this month's and next month's of each partitioned table."""
    current = month_start(now or timezone.now())
    return [
        partition_name(item.table, month)
        for item in partitioned_tables()
        for month in (current, add_months(current, 1))
    ]


def missing_partitions_in_schemas(
    cursor: Cursor, schemas: Sequence[str], *, now: datetime.datetime | None = None
) -> dict[str, list[str]]:
    """schema → the expected partitions it lacks, attached (only schemas lacking some), in one catalog query."""
    if not schemas:
        return {}
    cursor.execute(
        "SELECT s.name, e.name FROM unnest(%s::text[]) AS s(name) CROSS JOIN unnest(%s::text[]) AS e(name) "
        "WHERE NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = s.name AND c.relname = e.name AND c.relispartition) ORDER BY 1, 2",
        [list(schemas), expected_partitions(now=now)],
    )
    missing: dict[str, list[str]] = {}
    for schema, name in cursor.fetchall():
        missing.setdefault(schema, []).append(name)
    return missing


def default_partition_rows_in_schemas(cursor: Cursor, schemas: Sequence[str]) -> dict[str, int]:
    """table → rows waiting in its default partitions, summed over the schemas: one catalog query for the default
    partitions that exist, then one statement counting them all."""
    tables = {default_partition_name(item.table): item.table for item in partitioned_tables()}
    counts = dict.fromkeys(tables.values(), 0)
    if not schemas:
        return counts
    cursor.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = ANY(%s::text[]) AND c.relname = ANY(%s::text[]) AND c.relispartition ORDER BY 1, 2",
        [list(schemas), list(tables)],
    )
    found = cursor.fetchall()
    if not found:
        return counts
    union = " UNION ALL ".join(
        f"SELECT %s::text, count(*) FROM ONLY {_quote(schema)}.{_quote(default)}"  # noqa: S608 (catalog names, quoted)
        for schema, default in found
    )
    cursor.execute(union, [tables[default] for _schema, default in found])
    for table, rows in cursor.fetchall():
        counts[table] += int(rows)
    return counts


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
