# Restaurant moves from pos into its own app, keeping its rows and ids: the model is created in this app's state
# only, and the table (with its sequence, primary key and status index) is renamed in place. PostgreSQL foreign
# keys refer to a table, not its name, so every constraint pointing at it (guests, loyalty, analytics, telegram,
# pos) follows without being touched. pos then drops the model from its state (pos 0006).

from django.db import migrations, models

RENAME = """
ALTER TABLE pos_restaurant RENAME TO restaurants_restaurant;
ALTER SEQUENCE pos_restaurant_id_seq RENAME TO restaurants_restaurant_id_seq;
ALTER TABLE restaurants_restaurant RENAME CONSTRAINT pos_restaurant_pkey TO restaurants_restaurant_pkey;
ALTER INDEX pos_restaurant_status_idx RENAME TO restaurants_status_idx;
"""

RENAME_BACK = """
ALTER INDEX restaurants_status_idx RENAME TO pos_restaurant_status_idx;
ALTER TABLE restaurants_restaurant RENAME CONSTRAINT restaurants_restaurant_pkey TO pos_restaurant_pkey;
ALTER SEQUENCE restaurants_restaurant_id_seq RENAME TO pos_restaurant_id_seq;
ALTER TABLE restaurants_restaurant RENAME TO pos_restaurant;
"""


class Migration(migrations.Migration):

    initial = True

    # After every migration that made a foreign key to pos_restaurant under that name (on a new chain's schema
    # too): those name the table in their SQL.
    dependencies = [
        ("pos", "0005_rejected_attempts_counted_per_minute"),
        ("analytics", "0004_guest_month_cohort_index_guest"),
        ("guests", "0003_single_column_fk_indexes_dropped"),
        ("loyalty", "0004_grant_limits_and_referrals"),
        ("telegram_bot", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(RENAME, RENAME_BACK)],
            state_operations=[
                migrations.CreateModel(
                    name="Restaurant",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=200, verbose_name="name")),
                        ("address", models.CharField(blank=True, max_length=300, verbose_name="address")),
                        ("phone", models.CharField(blank=True, max_length=32, verbose_name="phone")),
                        ("time_zone", models.CharField(blank=True, help_text="Empty: the chain's zone", max_length=64, verbose_name="time zone")),
                        ("opening_hours", models.JSONField(blank=True, default=dict, verbose_name="opening hours")),
                        ("status", models.CharField(choices=[("active", "Open"), ("paused", "Temporarily closed"), ("closed", "Closed")], default="active", max_length=16, verbose_name="status")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                    ],
                    options={
                        "verbose_name": "restaurant",
                        "verbose_name_plural": "restaurants",
                        "ordering": ["name", "id"],
                        "permissions": [("work_at_restaurant", "Works at this restaurant (managers and cashiers)")],
                        "indexes": [models.Index(fields=["status"], name="restaurants_status_idx")],
                    },
                ),
            ],
        ),
    ]
