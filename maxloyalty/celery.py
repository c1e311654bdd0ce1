"""The Celery app. Tasks run inside the chain's schema (tenant-schemas-celery) when sent from a chain."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maxloyalty.settings.dev")

app = CeleryApp("maxloyalty")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
