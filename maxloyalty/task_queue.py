"""The one way a service queues background work: by the task's name, after the transaction commits.

A service never imports its app's `tasks` module (tasks are entry points that call services: importing them
back would tie the layers in a circle). The task is looked up by name in the Celery app's registry, so the
same call honours CELERY_TASK_ALWAYS_EAGER in tests and tenant-schemas-celery's schema header in production.
A web process has not imported the tasks modules: the first name it does not know makes Celery's autodiscovery
import every installed app's `tasks`; a name no tasks module defines raises LookupError at the call, inside the
caller's transaction, never silently after its commit.
"""

from __future__ import annotations

from typing import Any

from celery import Task, current_app
from django.db import transaction


def registered_task(task_name: str) -> Task[Any, Any]:
    """The Celery task named `task_name` ("app.tasks.function"); LookupError when no installed app defines it."""
    tasks = current_app.tasks
    if task_name not in tasks:
        current_app.autodiscover_tasks(force=True)  # every installed app's tasks module, as a worker does at start
    try:
        return tasks[task_name]
    except KeyError:
        raise LookupError(
            f"No Celery task is named {task_name!r}: no installed app's tasks module defines it"
        ) from None


def enqueue(task_name: str, *, countdown: float | None = None, **kwargs: Any) -> None:
    """Queue `task_name` now (for work that must start even if the caller's transaction rolls back)."""
    task = registered_task(task_name)
    if countdown:
        task.apply_async(kwargs=kwargs, countdown=countdown)
    else:
        task.apply_async(kwargs=kwargs)


def enqueue_after_commit(task_name: str, *, countdown: float | None = None, **kwargs: Any) -> None:
    """Queue `task_name` with keyword arguments once the current transaction commits (now outside one)."""
    registered_task(task_name)  # an unknown name fails here, in the caller's transaction
    transaction.on_commit(lambda: enqueue(task_name, countdown=countdown, **kwargs))
