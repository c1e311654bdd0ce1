"""Guest search (guests.search): pg_trgm where the server has it, the searched spelling of every guest's name
(filled for existing guests in batches, each committed on its own), and the indexes the search reads."""

import django.contrib.postgres.fields
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations, models
from django.db.models.functions import Upper

from guests.search_text import search_keys_of, search_name_of
from maxloyalty.db.extensions import AddIndexIfExtension, AddIndexOnline, CreateExtensionIfAvailable

BATCH = 5000


def fill_search_names(apps, schema_editor):
    guests = apps.get_model("guests", "Guest").objects.using(schema_editor.connection.alias)
    last_id = 0
    while True:
        rows = list(guests.filter(pk__gt=last_id).order_by("pk").values_list("pk", "first_name", "last_name")[:BATCH])
        if not rows:
            return
        ids = [row[0] for row in rows]
        names = [search_name_of(first_name, last_name) for _, first_name, last_name in rows]
        # Keys as one text per guest (arrays of arrays must be rectangular), split on the server.
        keys = [" ".join(search_keys_of(name)) for name in names]
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE guests_guest AS guest SET search_name = batch.name,"
                " search_keys = string_to_array(batch.keys, ' ')"
                " FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS batch(id, name, keys)"
                " WHERE guest.id = batch.id",
                [ids, names, keys],
            )
        last_id = ids[-1]


class Migration(migrations.Migration):
    # Not one transaction, so a chain with a million guests keeps taking checks meanwhile: the names are filled batch
    # by batch, each committed, and the indexes built CONCURRENTLY (maxloyalty.db.extensions.AddIndexOnline).
    atomic = False

    dependencies = [
        ("guests", "0008_visits_partitioned"),
    ]

    operations = [
        CreateExtensionIfAvailable("pg_trgm"),
        migrations.AddField(
            model_name="guest",
            name="search_name",
            field=models.CharField(blank=True, editable=False, max_length=200, verbose_name="name as searched"),
        ),
        migrations.AddField(
            model_name="guest",
            name="search_keys",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.TextField(), blank=True, default=list, editable=False, size=None
            ),
        ),
        migrations.RunPython(fill_search_names, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(model_name="guest", name="guests_guest_phone_tail_idx"),
        AddIndexOnline(
            model_name="guest",
            index=models.Index(OpClass("email", name="varchar_pattern_ops"), name="guests_guest_email_prefix_idx"),
        ),
        AddIndexOnline(
            model_name="guest",
            index=GinIndex(fields=["search_keys"], name="guests_guest_search_keys_idx"),
        ),
        AddIndexIfExtension(
            model_name="guest",
            index=GinIndex(OpClass("phone", name="gin_trgm_ops"), name="guests_guest_phone_trgm"),
            extension="pg_trgm",
        ),
        AddIndexIfExtension(
            model_name="guest",
            index=GinIndex(OpClass(Upper("note"), name="gin_trgm_ops"), name="guests_guest_note_trgm"),
            extension="pg_trgm",
        ),
    ]
