# Restaurant moved from pos to the restaurants app (restaurants 0001): state only, the table and its
# foreign keys are unchanged.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("telegram_bot", "0001_initial"),
        ("restaurants", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="telegramchat",
                    name="restaurant",
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="restaurants.restaurant"),
                ),
            ],
        ),
    ]
