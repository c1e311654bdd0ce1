"""Applied checks by time, built CONCURRENTLY on existing chains: a backtest reads a period's checks in time order."""

from django.db import migrations, models

from maxloyalty.db.extensions import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("loyalty", "0010_drafts_and_backtests")]

    operations = [
        AddIndexOnline(
            model_name="appliedcheck",
            index=models.Index(fields=["checked_at"], name="loyalty_check_time_idx"),
        ),
    ]
