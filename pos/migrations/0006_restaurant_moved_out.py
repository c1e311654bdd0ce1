# Restaurant moved to the restaurants app (restaurants 0001 renamed its table in place): pos's foreign keys now
# name it there, and pos forgets the model. State only: no table or constraint changes here.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("pos", "0005_rejected_attempts_counted_per_minute"),
        ("restaurants", "0001_initial"),
        # Every other app's foreign keys leave pos.Restaurant before it is deleted from the state.
        ("analytics", "0005_restaurant_moved"),
        ("guests", "0004_restaurant_moved"),
        ("loyalty", "0005_restaurant_moved"),
        ("telegram_bot", "0002_restaurant_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="receipt",
                    name="restaurant",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="receipts", to="restaurants.restaurant"),
                ),
                migrations.AlterField(
                    model_name="posconnection",
                    name="restaurant",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="pos_connections", to="restaurants.restaurant", verbose_name="restaurant"),
                ),
                migrations.DeleteModel(name="Restaurant"),
            ],
        ),
    ]
