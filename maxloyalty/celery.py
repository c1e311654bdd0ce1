"""The Celery app. Tasks run inside the chain's schema (tenant-schemas-celery) when sent from a chain."""

import os
from typing import Any

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger, worker_process_init
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maxloyalty.settings.dev")

app: Celery = CeleryApp("maxloyalty")  # tenant_schemas_celery ships no types: typed as the Celery it extends
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def redact_secrets_in_worker_logs(logger: Any, **_signal: Any) -> None:
    """A worker replaces the root logger's handlers (settings.LOGGING's) with its own: they get the same secret
    redaction (maxloyalty.log_redaction)."""
    from maxloyalty.log_redaction import redact_on_handlers_of

    redact_on_handlers_of(logger)


@worker_process_init.connect
def check_database_connections_before_each_task(**_signal: Any) -> None:
    """A worker's connection sits idle between tasks, where a database restart or an idle timeout leaves it stale:
    check it before a task's first query (Django's CONN_HEALTH_CHECKS, one round trip per task, which Celery's
    Django fixup starts like a request), so the first task after an outage does not fail on a dead connection."""
    from django.db import connections

    for alias in connections:
        connection = connections[alias]  # its settings are the process's settings.DATABASES entry
        connection.settings_dict["CONN_HEALTH_CHECKS"] = True
        connection.health_check_enabled = True  # type: ignore[attr-defined]  # set by connect(); not in the stubs
