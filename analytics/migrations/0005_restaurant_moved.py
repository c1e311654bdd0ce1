# Restaurant moved from pos to the restaurants app (restaurants 0001): state only, the table and its
# foreign keys are unchanged.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("analytics", "0004_guest_month_cohort_index_guest"),
        ("restaurants", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="dailyrestaurantstats",
                    name="restaurant",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="daily_stats", to="restaurants.restaurant"),
                ),
                migrations.AlterField(
                    model_name="guestmonthactivity",
                    name="restaurant",
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="restaurants.restaurant"),
                ),
            ],
        ),
    ]
