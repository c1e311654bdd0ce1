"""Readiness fails while a served chain lacks this month's or next month's partition of a partitioned table (the
nightly maintenance has not run for weeks), and passes again once maintenance has made it. /readyz says which
partition, never which chain (it answers anyone)."""

from __future__ import annotations

import datetime

import psycopg
from django.db import connection
from django.test import Client

from guests.models import Visit
from maxloyalty.db.partitions import add_months, month_bounds, month_start, partition_name
from maxloyalty.readiness import database_connection
from tenants.partitions import maintain_chain_partitions, partitions_readiness

NEXT_MONTH = add_months(month_start(datetime.datetime.now(datetime.UTC)), 1)


def test_a_chain_without_next_months_partition_is_not_ready_until_maintenance_runs(alpha):
    missing = partition_name(Visit._meta.db_table, NEXT_MONTH)
    with connection.cursor() as cursor:
        assert partitions_readiness(cursor) == ""
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(missing)}")
        before = partitions_readiness(cursor)

    maintain_chain_partitions()

    with connection.cursor() as cursor:
        after = partitions_readiness(cursor)
    assert before == f"partitions missing in 1 chain(s): {missing}"
    assert after == ""


def test_readyz_answers_503_naming_the_partition_and_not_the_chain(alpha):
    """The probe reads on a connection of its own: the partition is detached for real (committed) and put back."""
    schema = psycopg.sql.Identifier(alpha.chain.schema_name)
    table = psycopg.sql.Identifier(Visit._meta.db_table)
    name = partition_name(Visit._meta.db_table, NEXT_MONTH)
    partition = psycopg.sql.Identifier(name)
    start, end = month_bounds(NEXT_MONTH)
    with database_connection(5.0) as outside:
        outside.execute(
            psycopg.sql.SQL("ALTER TABLE {}.{} DETACH PARTITION {}.{}").format(schema, table, schema, partition)
        )
        try:
            response = Client(HTTP_HOST="10.0.0.7").get("/readyz")
        finally:
            outside.execute(
                psycopg.sql.SQL("ALTER TABLE {}.{} ATTACH PARTITION {}.{} FOR VALUES FROM ({}) TO ({})").format(
                    schema, table, schema, partition, psycopg.sql.Literal(start), psycopg.sql.Literal(end)
                )
            )
    restored = Client(HTTP_HOST="10.0.0.7").get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["database"]
    assert body["checks"]["database"]["detail"] == f"partitions missing in 1 chain(s): {name}"
    assert alpha.chain.schema_name not in response.content.decode()
    assert restored.status_code == 200
