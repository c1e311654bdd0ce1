"""Steering the planner where its statistics mislead it, for one query at a time.

bitmap_scans_only: a bounded read of an array-overlap (GIN) condition ("are there more than N matches?", "how many,
up to N?") reads the index's matches and stops at N. With a LIMIT the planner instead walks the table (or a btree)
hoping to meet N matches early: 0.6 s at 1M guests for a common first name, seconds for a rare one, whose overlap
it overestimates 15-fold. Sequential and plain index scans are turned off for the session around the query and
reset after it, whatever happens.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections


@contextmanager
def bitmap_scans_only(using: str = "default") -> Iterator[None]:
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off; SET enable_indexscan = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_seqscan; RESET enable_indexscan")
