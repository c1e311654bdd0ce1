"""Which guests have visited which restaurant (guests.RestaurantGuest), filled from the visits a chain already has:
one grouped pass over the visits (3M visits: seconds), inside the migration's transaction."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("guests", "0015_duplicate_candidates"),
        ("restaurants", "0002_content_type_moved"),
    ]

    operations = [
        migrations.CreateModel(
            name="RestaurantGuest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("first_visited_at", models.DateTimeField(verbose_name="first visit")),
                (
                    "guest",
                    models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="guests.guest"
                    ),
                ),
                (
                    "restaurant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="restaurants.restaurant"
                    ),
                ),
            ],
            options={
                "verbose_name": "guest of a restaurant",
                "verbose_name_plural": "guests of restaurants",
                "constraints": [
                    models.UniqueConstraint(fields=("guest", "restaurant"), name="guests_restaurantguest_once")
                ],
            },
        ),
        migrations.RunSQL(
            "INSERT INTO guests_restaurantguest (guest_id, restaurant_id, first_visited_at) "
            "SELECT guest_id, restaurant_id, min(visited_at) FROM guests_visit WHERE restaurant_id IS NOT NULL "
            "GROUP BY guest_id, restaurant_id",
            migrations.RunSQL.noop,
        ),
    ]
