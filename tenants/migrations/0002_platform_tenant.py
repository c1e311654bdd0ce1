"""The platform itself is the 'public' tenant, served at PLATFORM_DOMAIN."""

from django.conf import settings
from django.db import migrations


def create_platform_tenant(apps, schema_editor):
    Chain = apps.get_model("tenants", "Chain")
    Domain = apps.get_model("tenants", "Domain")
    platform, _ = Chain.objects.get_or_create(
        schema_name="public", defaults={"name": "MAX-LOYALTY", "slug": "platform", "status": "active"}
    )
    Domain.objects.get_or_create(domain=settings.PLATFORM_DOMAIN, defaults={"tenant": platform, "is_primary": True})


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]
    operations = [migrations.RunPython(create_platform_tenant, migrations.RunPython.noop)]
