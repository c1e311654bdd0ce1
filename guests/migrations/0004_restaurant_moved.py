# Restaurant moved from pos to the restaurants app (restaurants 0001): state only, the table and its
# foreign keys are unchanged.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("guests", "0003_single_column_fk_indexes_dropped"),
        ("restaurants", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="guest",
                    name="home_restaurant",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", verbose_name="home restaurant", to="restaurants.restaurant"),
                ),
                migrations.AlterField(
                    model_name="visit",
                    name="restaurant",
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="visits", to="restaurants.restaurant"),
                ),
            ],
        ),
    ]
