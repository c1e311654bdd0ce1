# Restaurant moved from pos to the restaurants app (restaurants 0001): state only, the table and its
# foreign keys are unchanged.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("loyalty", "0004_grant_limits_and_referrals"),
        ("restaurants", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="appliedcheck",
                    name="restaurant",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="applied_checks", to="restaurants.restaurant"),
                ),
                migrations.AlterField(
                    model_name="ledgerentry",
                    name="restaurant",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="ledger_entries", to="restaurants.restaurant"),
                ),
                migrations.AlterField(
                    model_name="promo",
                    name="restaurants",
                    field=models.ManyToManyField(blank=True, related_name="promos", to="restaurants.restaurant"),
                ),
            ],
        ),
    ]
