"""Receipts, sync runs and refused pushes become partitioned by month (received_at, started_at, minute) through
maxloyalty.db.partitions.convert_to_partitioned: the keys of existing receipts are copied into ReceiptKey first,
then the rows in batches while writes go on, then a short swap under lock (docs/partitioning.md)."""

from django.db import migrations

from maxloyalty.db.partitions import COPY_BATCH_ROWS, backfill_key_table, partition_operation

UNIQUE_MOVED = ("pos_receipt_external_id_unique",)


def copy_keys(apps, schema_editor):
    backfill_key_table(
        source="pos_receipt",
        target="pos_receiptkey",
        columns="receipt_id, connection_id, external_id, operation, received_at",
        select="id, connection_id, external_id, operation, received_at",
        connection=schema_editor.connection,
        batch_rows=COPY_BATCH_ROWS,
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("pos", "0008_receipt_keys")]

    operations = [
        migrations.RunPython(copy_keys, migrations.RunPython.noop, elidable=False),
        # Run backwards (after the table is plain again), the moved unique constraint comes back.
        migrations.RunSQL(
            migrations.RunSQL.noop,
            reverse_sql="ALTER TABLE pos_receipt ADD CONSTRAINT pos_receipt_external_id_unique "
            "UNIQUE (connection_id, external_id, operation)",
        ),
        partition_operation("pos.Receipt", "received_at", unique_moved=UNIQUE_MOVED),
        partition_operation("pos.SyncRun", "started_at"),
        partition_operation("pos.RejectedAttempt", "minute"),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveConstraint(model_name="receipt", name=name) for name in UNIQUE_MOVED]
        ),
    ]
