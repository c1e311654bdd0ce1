"""The tables that grow for years are partitioned by month in every chain's schema, made so by the migrations (a new
chain's sign-up runs them): this month and the next three exist, with a default partition for anything else."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from maxloyalty.db.partitions import (
    MONTHS_AHEAD,
    add_months,
    default_partition_name,
    month_start,
    partition_name,
    partitioned_tables,
    partitions,
)


def test_every_growing_table_is_partitioned_by_month_in_every_chain(alpha, beta):
    this_month = month_start(timezone.now())
    expected_months = [partition_name("x", add_months(this_month, offset))[2:] for offset in range(MONTHS_AHEAD + 1)]
    for world in (alpha, beta):
        with schema_context(world.chain.schema_name):
            tables = partitioned_tables()
            assert {item.table for item in tables} == {
                "loyalty_ledgerentry",
                "guests_visit",
                "pos_receipt",
                "audit_auditentry",
                "pos_syncrun",
                "pos_rejectedattempt",
            }
            for item in tables:
                names = [partition.name for partition in partitions(item.table)]
                assert names[-1] == default_partition_name(item.table)
                for month in expected_months:
                    assert f"{item.table}_{month}" in names, (world.chain.schema_name, item.table, names)


def test_the_primary_key_holds_the_month_and_the_indexes_of_each_month_are_named_after_the_table_index(alpha):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'loyalty_ledgerentry'::regclass "
            "AND contype = 'p'"
        )
        assert cursor.fetchone()[0] == "PRIMARY KEY (id, created_at)"
        month = partition_name("loyalty_ledgerentry", month_start(timezone.now()))
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [month])
        names = {row[0] for row in cursor.fetchall()}
    suffix = month.rsplit("_p", 1)[1]
    assert f"loyalty_entry_guest_time_idx_{suffix}" in names
    assert f"loyalty_entry_open_lots_idx_{suffix}" in names


def test_a_new_entry_gets_the_next_id_of_the_table(alpha):
    """The id sequence moved with the table: ids keep rising after the conversion."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('loyalty_ledgerentry', 'id')")
        assert cursor.fetchone()[0].endswith("loyalty_ledgerentry_id_seq")
