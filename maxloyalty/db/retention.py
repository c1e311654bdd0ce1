"""Retention of a partitioned table by dropping whole months (maxloyalty.db.partitions.drop_months_before) instead
of deleting rows one by one: no dead tuples, no vacuum behind a nightly DELETE of millions of rows.

Only whole months go with their partition; the caller deletes the rest past its cutoff (the days of the month the
cutoff falls in, rows a default partition still holds): a night's worth of rows, in one or two partitions.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import connection

from maxloyalty.db.lock_wait import lock_wait_limit
from maxloyalty.db.partitions import Partition, drop_months_before


def partition_rows(partition: Partition) -> int:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ONLY {quote(partition.name)}")  # noqa: S608 (a catalog name, quoted)
        rows: int = cursor.fetchone()[0]
    return rows


def drop_expired_months(
    table: str, cutoff: datetime.datetime, *, archive: Callable[[Partition], None] | None = None
) -> int:
    """Drop the table's months that end at or before `cutoff` (archived first by `archive`, if given); how many
    rows went with them. Each drop waits a few seconds at most for its lock (maxloyalty.db.lock_wait)."""
    rows = 0

    def count_then_archive(partition: Partition) -> None:
        nonlocal rows
        if archive is not None:
            archive(partition)
        rows += partition_rows(partition)

    with lock_wait_limit():
        drop_months_before(table, cutoff, archive=count_then_archive)
    return rows
