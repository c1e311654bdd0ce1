"""The audit log becomes partitioned by month on created_at (maxloyalty.db.partitions.convert_to_partitioned):
retention drops whole months instead of deleting rows."""

from django.db import migrations

from maxloyalty.db.partitions import partition_operation


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("audit", "0001_initial")]

    operations = [partition_operation("audit.AuditEntry", "created_at")]
