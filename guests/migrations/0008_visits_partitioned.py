"""Visits become partitioned by month on visited_at (maxloyalty.db.partitions.convert_to_partitioned), copied in
batches while writes go on; the applied checks' foreign key to visits was dropped first (loyalty 0006)."""

from django.db import migrations

from maxloyalty.db.partitions import partition_operation


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("guests", "0007_guest_export"),
        ("loyalty", "0006_ledger_keys"),
    ]

    operations = [partition_operation("guests.Visit", "visited_at")]
