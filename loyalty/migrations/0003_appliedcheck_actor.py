# Who applied a check (the till or the API); empty for checks from the POS. Existing checks made at the till
# get their cashier back from the key the till gave them: till:<restaurant>:<user id>:<token>.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TILL_PREFIX = "till:"
CHUNK = 2000


def _till_author(key, restaurant_id):
    """The user id a till key names, or None when the key is not one the till issued for this restaurant."""
    parts = key.split(":", 3)
    if len(parts) != 4 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    if restaurant_id is None or int(parts[1]) != restaurant_id:
        return None
    return int(parts[2])


def _backfill_chunk(applied_checks, ledger_entries, users, rows):
    """rows: (id, key, restaurant id, entry ids). A key names a user who still exists; the check's ledger
    entries (written with the actor) must not name someone else, as a key sent through the API could."""
    named = {pk: user_id for pk, key, restaurant_id, _ids in rows if (user_id := _till_author(key, restaurant_id))}
    existing = set(users.filter(pk__in=set(named.values())).values_list("pk", flat=True))
    entry_ids = [entry_id for pk, _key, _restaurant_id, ids in rows if pk in named for entry_id in ids]
    entry_actor = dict(
        ledger_entries.filter(pk__in=entry_ids, actor__isnull=False).values_list("pk", "actor_id")
    )
    by_user = {}
    for pk, _key, _restaurant_id, ids in rows:
        user_id = named.get(pk)
        if user_id not in existing:
            continue
        if any(entry_actor.get(entry_id, user_id) != user_id for entry_id in ids):
            continue
        by_user.setdefault(user_id, []).append(pk)
    for user_id, ids in by_user.items():
        applied_checks.filter(pk__in=ids, actor__isnull=True).update(actor_id=user_id)
    return sum(len(ids) for ids in by_user.values())


def backfill_till_actors(apps, schema_editor):
    """Set the actor of checks applied at the till before the column existed. Returns how many were set."""
    alias = schema_editor.connection.alias
    applied_checks = apps.get_model("loyalty", "AppliedCheck").objects.using(alias)
    ledger_entries = apps.get_model("loyalty", "LedgerEntry").objects.using(alias)
    users = apps.get_model(settings.AUTH_USER_MODEL).objects.using(alias)
    candidates = (
        applied_checks.filter(idempotency_key__startswith=TILL_PREFIX, actor__isnull=True)
        .order_by("pk")
        .values_list("pk", "idempotency_key", "restaurant_id", "entry_ids")
    )
    done, last_pk = 0, 0
    while rows := list(candidates.filter(pk__gt=last_pk)[:CHUNK]):
        done += _backfill_chunk(applied_checks, ledger_entries, users, rows)
        last_pk = rows[-1][0]
    return done


class Migration(migrations.Migration):

    dependencies = [
        ("loyalty", "0002_ledger_partial_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="appliedcheck",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="Empty: the system",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(backfill_till_actors, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="appliedcheck",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)),
                fields=["actor", "-created_at"],
                name="loyalty_check_actor_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="appliedcheck",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)),
                fields=["restaurant", "-created_at"],
                name="loyalty_check_staff_time_idx",
            ),
        ),
    ]
