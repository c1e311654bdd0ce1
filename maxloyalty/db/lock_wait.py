"""A bound on how long partition DDL waits for its lock.

Making, detaching or dropping a partition needs a strong lock of the partitioned table. Waiting for it behind a long
read (a report, a backup's COPY) would queue every write to the table behind the waiting DDL: the POS checks, the
ledger, the audit log would stop for as long as that read lasts. The nightly jobs give up instead after
PARTITION_DDL_LOCK_SECONDS (PostgreSQL's lock_timeout: the statement fails with LockNotAvailable) and run again the
next night; the months ahead and the retention both have weeks of slack.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

PARTITION_DDL_LOCK_SECONDS = 5


@contextmanager
def lock_wait_limit(seconds: float = PARTITION_DDL_LOCK_SECONDS) -> Iterator[None]:
    """Every statement of this connection inside the block waits at most `seconds` for a lock; the connection's
    own setting is restored after (the worker's connection is reused by the next task)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout')")
        previous = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('lock_timeout', %s, false)", [f"{int(seconds * 1000)}ms"])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, false)", [previous])
