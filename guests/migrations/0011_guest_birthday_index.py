"""Guests by the month and day of their birthday, built CONCURRENTLY on existing chains: the analytics page's
"birthdays this week" scanned every guest (366 ms at 1M guests, bench/page_budget.py, 7 Dec 2026)."""

from django.db import migrations, models
from django.db.models.functions import ExtractDay, ExtractMonth

from maxloyalty.db.extensions import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("guests", "0010_guest_list_order_index")]

    operations = [
        AddIndexOnline(
            model_name="guest",
            index=models.Index(ExtractMonth("birthday"), ExtractDay("birthday"), name="guests_guest_birthday_md_idx"),
        ),
    ]
