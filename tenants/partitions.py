"""The monthly partitions of every chain (maxloyalty.db.partitions; docs/partitioning.md): kept ahead and drained
in each chain's schema by a nightly task, and asked for all served chains at once by the readiness check.

A new chain needs nothing from here at sign-up: its migrations make this month and MONTHS_AHEAD more, and the
nightly task keeps that window moving. A chain imported from a file runs the maintenance at once (its partitions
are those of the export's months: tenants.chain_transfer).
"""

from __future__ import annotations

import datetime
import logging

from maxloyalty.current_schema import current_schema_name
from maxloyalty.db.lock_wait import lock_wait_limit
from maxloyalty.db.partition_health import Cursor, missing_partitions_in_schemas
from maxloyalty.db.partitions import Maintenance, maintain_partitions
from tenants.selectors import served_chains

logger = logging.getLogger(__name__)


def maintain_chain_partitions(*, now: datetime.datetime | None = None) -> Maintenance:
    """The current chain's partitioned tables: this month and the next MONTHS_AHEAD exist, rows caught by a
    default partition moved into a month of their own. Idempotent. Each DDL statement waits a few seconds at most
    for its lock (maxloyalty.db.lock_wait): behind a long read it gives up, and the next night makes up for it."""
    with lock_wait_limit():
        done = maintain_partitions(now=now)
    if done.created or done.drained:
        logger.info(
            "partitions of %s: created %s; drained from the default partitions %s",
            current_schema_name(),
            ", ".join(done.created) or "none",
            {table: [f"{month:%Y-%m}" for month in months] for table, months in done.drained.items()},
        )
    return done


def served_schemas_sql() -> tuple[str, tuple[object, ...]]:
    """The served chains' schema names as one SELECT (the fan-out's own selector), to run on a connection that
    is not Django's (the readiness probe's)."""
    sql, params = served_chains().values_list("schema_name", flat=True).query.sql_with_params()
    return sql, tuple(params)


def chains_missing_partitions(cursor: Cursor, *, now: datetime.datetime | None = None) -> dict[str, list[str]]:
    """schema → partitions it lacks (this month's or next month's), over every served chain: two statements."""
    sql, params = served_schemas_sql()
    cursor.execute(sql, params)
    schemas = [row[0] for row in cursor.fetchall()]
    return missing_partitions_in_schemas(cursor, schemas, now=now)


def partitions_readiness(cursor: Cursor) -> str:
    """The readiness probe's question (asked on its own connection): "" when every served chain has this month's
    and next month's partitions, else how many chains lack some and which partitions (no chain names: /readyz
    answers anyone; the log names them). The nightly maintenance task, tenants.tasks.maintain_partitions_task,
    makes them."""
    missing = chains_missing_partitions(cursor)
    if not missing:
        return ""
    logger.warning("readiness: partitions missing: %s", missing)
    names = sorted({name for names in missing.values() for name in names})
    return f"partitions missing in {len(missing)} chain(s): {', '.join(names[:3])}"
