"""Tasks queued for real but not run: `queued_not_run` sends every task to a broker queue of the test's own that no
worker reads (instead of running it eagerly); `queued_in` reads back what was sent there (name, kwargs, eta)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from celery.app.routes import Router

from maxloyalty.celery import app
from tests.process_harness import purge_queue


@pytest.fixture
def queued_not_run() -> Iterator[str]:
    """Tasks are sent to a queue of this test's own that no worker reads (not run eagerly); its name."""
    queue = f"q-test-{time.monotonic_ns()}"
    patched = {"task_always_eager": False, "task_default_queue": queue}
    saved = {name: app.conf[name] for name in patched}
    saved_router = app.amqp.router
    app.conf.update(patched)
    app.amqp.router = Router([], app.amqp.queues, True, app=app)
    try:
        yield queue
    finally:
        app.conf.update(saved)
        app.amqp.router = saved_router
        purge_queue(queue)


@dataclass(frozen=True)
class QueuedTask:
    name: str
    kwargs: dict[str, Any]
    eta: str | None  # set when the task was sent with a countdown


def queued_in(queue: str) -> list[QueuedTask]:
    """The tasks waiting in `queue` (the Redis broker's list of kombu messages), oldest first."""
    from django_redis import get_redis_connection

    tasks = []
    for raw in reversed(get_redis_connection("platform").lrange(queue, 0, -1)):
        message = json.loads(raw)
        _args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        tasks.append(QueuedTask(name=message["headers"]["task"], kwargs=kwargs, eta=message["headers"].get("eta")))
    return tasks
