"""Recent activity first, (last visit DESC NULLS LAST, id DESC), built CONCURRENTLY on existing chains, in place of
the index on last_visit_at alone: the order searches break ties by (guests.search.RECENT_FIRST); last-visit filters
use it as they used the old one."""

from django.db import migrations, models

from maxloyalty.db.extensions import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("guests", "0011_guest_birthday_index")]

    operations = [
        AddIndexOnline(
            model_name="guest",
            index=models.Index(
                models.OrderBy(models.F("last_visit_at"), descending=True, nulls_last=True),
                models.OrderBy(models.F("id"), descending=True),
                name="guests_guest_recent_idx",
            ),
        ),
        migrations.RemoveIndex(model_name="guest", name="guests_guest_last_visit_idx"),
    ]
