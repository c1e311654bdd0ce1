"""The Celery app. Tasks run inside the chain's schema (tenant-schemas-celery) when sent from a chain, and carry
the request id of the request (or task) that queued them into the worker's log lines."""

import os
from contextlib import ExitStack
from typing import Any

from celery import Celery
from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun, worker_process_init
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maxloyalty.settings.dev")

app: Celery = CeleryApp("maxloyalty")  # tenant_schemas_celery ships no types: typed as the Celery it extends
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def log_as_the_web_processes_do(loglevel: int | None = None, **_signal: Any) -> None:
    """A worker writes its lines through settings.LOGGING, as gunicorn's workers do: the same format (LOG_FORMAT,
    JSON lines for shipping), the request context and the secret redaction (maxloyalty.log_redaction), instead of
    Celery's own handlers. The worker's --loglevel sets the root level."""
    import logging
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


@before_task_publish.connect
def carry_the_request_id(headers: dict[str, Any] | None = None, **_signal: Any) -> None:
    """A task queued while serving a request (or running a task) carries that request's id in its headers."""
    from maxloyalty.request_context import task_headers

    if headers is not None:
        for name, value in task_headers().items():
            headers.setdefault(name, value)


_task_contexts: dict[str, ExitStack] = {}


@task_prerun.connect
def enter_the_task_context(task_id: str = "", task: Any = None, **_signal: Any) -> None:
    """For the task's duration, log lines carry its name and id and the request id its message carried."""
    from maxloyalty.request_context import REQUEST_ID_TASK_HEADER, USER_ID_TASK_HEADER, entering_task

    request = getattr(task, "request", None)
    headers = dict(getattr(request, "headers", None) or {})
    for name in (REQUEST_ID_TASK_HEADER, USER_ID_TASK_HEADER):  # a Redis message's headers are request attributes
        headers.setdefault(name, getattr(request, name, None))
    stack = ExitStack()
    stack.enter_context(entering_task(name=getattr(task, "name", "-"), task_id=task_id, headers=headers))
    _task_contexts[task_id] = stack


@task_postrun.connect
def leave_the_task_context(task_id: str = "", **_signal: Any) -> None:
    stack = _task_contexts.pop(task_id, None)
    if stack is not None:
        stack.close()


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
