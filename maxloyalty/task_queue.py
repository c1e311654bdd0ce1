"""The one way a service queues background work: by the task's name, after the transaction commits.

A service never imports its app's `tasks` module (tasks are entry points that call services: importing them
back would tie the layers in a circle). The task is looked up by name in the Celery app's registry, so the
same call honours CELERY_TASK_ALWAYS_EAGER in tests and tenant-schemas-celery's schema header in production.
"""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.db import transaction


def enqueue(task_name: str, *, countdown: float | None = None, **kwargs: Any) -> None:
    """Queue `task_name` now (for work that must start even if the caller's transaction rolls back)."""
    task = current_app.tasks[task_name]
    if countdown:
        task.apply_async(kwargs=kwargs, countdown=countdown)
    else:
        task.apply_async(kwargs=kwargs)


def enqueue_after_commit(task_name: str, *, countdown: float | None = None, **kwargs: Any) -> None:
    """Queue `task_name` with keyword arguments once the current transaction commits (now outside one)."""
    transaction.on_commit(lambda: enqueue(task_name, countdown=countdown, **kwargs))
