# Existing grants keep working after the move: the restaurant's content type is renamed pos → restaurants in the
# chain's schema (contenttypes, auth and guardian are chain apps), so its id, its permissions (work_at_restaurant
# and the default ones) and every guardian object permission on a restaurant stay as they are; only the
# permission's string changes ("pos.work_at_restaurant" → "restaurants.work_at_restaurant"). Audit entries about
# restaurants follow the new label, so one object type still finds a restaurant's whole history.

from django.db import migrations

MODEL = "restaurant"


def _drop_empty_twin(apps, schema_editor, *, keep, twin):
    """post_migrate may have made a fresh twin content type (e.g. after migrating back and forth with this code):
    grants made on the twin move to the kept content type's permissions, then the twin goes. Raw deletes only:
    a cascade would follow the user model's permission table, which lives in the public schema."""
    db = schema_editor.connection.alias
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    kept = {p.codename: p.pk for p in Permission.objects.using(db).filter(content_type=keep)}
    for model_name in ("UserObjectPermission", "GroupObjectPermission"):
        grants = apps.get_model("guardian", model_name).objects.using(db)
        for permission in Permission.objects.using(db).filter(content_type=twin):
            if permission.codename in kept:
                grants.filter(permission=permission).update(content_type=keep, permission_id=kept[permission.codename])
        grants.filter(content_type=twin)._raw_delete(db)
    Group.permissions.through.objects.using(db).filter(permission__content_type=twin)._raw_delete(db)
    Permission.objects.using(db).filter(content_type=twin)._raw_delete(db)
    apps.get_model("contenttypes", "ContentType").objects.using(db).filter(pk=twin.pk)._raw_delete(db)


def _relabel(apps, schema_editor, *, source, target):
    db = schema_editor.connection.alias
    ContentType = apps.get_model("contenttypes", "ContentType")
    moving = ContentType.objects.using(db).filter(app_label=source, model=MODEL).first()
    if moving is not None:  # a new chain's schema has no content types yet (post_migrate makes them)
        twin = ContentType.objects.using(db).filter(app_label=target, model=MODEL).first()
        if twin is not None:
            _drop_empty_twin(apps, schema_editor, keep=moving, twin=twin)
        ContentType.objects.using(db).filter(pk=moving.pk).update(app_label=target)
    apps.get_model("audit", "AuditEntry").objects.using(db).filter(object_type=f"{source}.{MODEL}").update(
        object_type=f"{target}.{MODEL}"
    )


def forwards(apps, schema_editor):
    _relabel(apps, schema_editor, source="pos", target="restaurants")


def backwards(apps, schema_editor):
    _relabel(apps, schema_editor, source="restaurants", target="pos")


class Migration(migrations.Migration):

    dependencies = [
        ("restaurants", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
