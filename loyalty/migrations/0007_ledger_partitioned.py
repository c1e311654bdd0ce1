"""The ledger becomes partitioned by month on created_at (maxloyalty.db.partitions.convert_to_partitioned): the
keys of existing entries are copied into LedgerKey first, then the rows into the partitioned table in batches
while writes go on, then a short swap under lock. Not atomic, so that each batch commits (docs/partitioning.md)."""

from django.db import migrations

from maxloyalty.db.partitions import COPY_BATCH_ROWS, backfill_key_table, partition_operation

UNIQUE_MOVED = ("loyalty_ledgerentry_idempotency_key_unique", "loyalty_ledgerentry_reversed_once")


def copy_keys(apps, schema_editor):
    backfill_key_table(
        source="loyalty_ledgerentry",
        target="loyalty_ledgerkey",
        columns="entry_id, idempotency_key, created_at, reverses_id",
        select="id, idempotency_key, created_at, reverses_id",
        connection=schema_editor.connection,
        batch_rows=COPY_BATCH_ROWS,
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("loyalty", "0006_ledger_keys")]

    operations = [
        migrations.RunPython(copy_keys, migrations.RunPython.noop, elidable=False),
        # Run backwards (after the table is plain again), the moved unique constraints come back.
        migrations.RunSQL(
            migrations.RunSQL.noop,
            reverse_sql=[
                "ALTER TABLE loyalty_ledgerentry ADD CONSTRAINT loyalty_ledgerentry_idempotency_key_unique "
                "UNIQUE (idempotency_key)",
                "CREATE UNIQUE INDEX loyalty_ledgerentry_reversed_once ON loyalty_ledgerentry (reverses_id) "
                "WHERE reverses_id IS NOT NULL",
            ],
        ),
        partition_operation("loyalty.LedgerEntry", "created_at", unique_moved=UNIQUE_MOVED),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="ledgerentry", name=name) for name in UNIQUE_MOVED
            ]
        ),
    ]
