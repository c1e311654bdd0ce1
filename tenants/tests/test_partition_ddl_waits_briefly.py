"""Partition DDL behind a long read gives up after a few seconds instead of queueing every write of the table behind
it; the worker's connection keeps its own lock timeout afterwards."""

from __future__ import annotations

import datetime
import time

import psycopg
import pytest
from django.db import OperationalError, connection

from audit.models import AuditEntry
from maxloyalty.db.lock_wait import PARTITION_DDL_LOCK_SECONDS
from maxloyalty.readiness import database_connection
from tenants.partitions import maintain_chain_partitions

LATER = datetime.datetime.now(datetime.UTC).replace(day=15) + datetime.timedelta(days=200)


def _lock_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout')")
        return str(cursor.fetchone()[0])


def test_maintenance_behind_a_long_read_gives_up_within_seconds(alpha):
    before = _lock_timeout()
    table = psycopg.sql.SQL("{}.{}").format(
        psycopg.sql.Identifier(alpha.chain.schema_name), psycopg.sql.Identifier(AuditEntry._meta.db_table)
    )
    with database_connection(5.0) as reader:
        reader.autocommit = False
        reader.execute(psycopg.sql.SQL("LOCK TABLE {} IN ACCESS SHARE MODE").format(table))  # a report's read
        started = time.monotonic()
        with pytest.raises(OperationalError, match="lock timeout"):
            maintain_chain_partitions(now=LATER)
        waited = time.monotonic() - started
        reader.rollback()

    assert waited < PARTITION_DDL_LOCK_SECONDS + 3
    assert _lock_timeout() == before
