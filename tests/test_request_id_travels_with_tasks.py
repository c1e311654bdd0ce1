"""The request id travels with the work a request starts: a task queued while serving a request carries the
request's id in its message headers, and a real Celery worker's JSON log lines for that task carry the same id, the
chain and the task's name and id; a task queued by that task keeps the original id."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery.app.routes import Router
from django.db import connection
from django.test import Client

from maxloyalty.celery import app
from maxloyalty.request_context import REQUEST_ID_TASK_HEADER, USER_ID_TASK_HEADER, entering_task, task_headers
from tests.process_harness import (
    WebhookChain,
    celery_worker_command,
    create_webhook_chain,
    delete_redis_keys,
    drop_chain,
    process_env,
    purge_queue,
    running,
    sample_check,
    signed_request,
)

LOGS = Path(__file__).resolve().parent.parent / "test-artifacts" / "request-id-in-tasks"
DRAIN = "pos.tasks.drain_receipts"


def test_a_task_queued_by_a_task_keeps_the_original_request_id(db):
    """(`db`: also makes pytest-django set up the test database when this module runs on its own.)"""
    carried = {REQUEST_ID_TASK_HEADER: "req-0001-abcdef", USER_ID_TASK_HEADER: "17"}

    with entering_task(name="pos.tasks.drain_receipts", task_id="t-1", headers=carried):
        inside = task_headers()
    outside = task_headers()

    assert inside == carried
    assert outside == {}  # after the task, the worker's context is its own again


def test_headers_of_an_unsafe_shape_are_not_believed():
    with entering_task(name="x", task_id="t-2", headers={REQUEST_ID_TASK_HEADER: "<script>", USER_ID_TASK_HEADER: "7"}):
        assert task_headers() == {}


@pytest.fixture
def traced_chain(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """A committed chain with a signed-webhook connection (the worker must see it), a worker writing JSON lines on
    a queue of its own, and this process publishing there (not eagerly) for the test's duration."""
    tag = f"trace{os.getpid()}"
    queue = f"q-request-id-{time.monotonic_ns()}"
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        env = process_env(database_name=connection.settings_dict["NAME"], queue=queue, cache_prefix=tag)
    env.update(LOG_FORMAT="json")
    command = celery_worker_command(queue=queue, concurrency=1, name=tag)
    command[command.index("--loglevel") + 1] = "INFO"  # Celery's own line per finished task is at INFO
    log = LOGS / "worker.log"
    patched = {"task_always_eager": False, "task_default_queue": queue}
    saved = {name: app.conf[name] for name in patched}
    saved_router = app.amqp.router
    chain: WebhookChain | None = None
    try:
        with running(command, env=env, log=log):  # the worker starts while the chain is made
            with django_db_blocker.unblock():  # type: ignore[attr-defined]
                chain = create_webhook_chain(slug=tag, guests=0)
            app.conf.update(patched)
            app.amqp.router = Router([], app.amqp.queues, True, app=app)  # no route: the default queue, ours
            yield {"chain": chain, "log": log}
    finally:
        app.conf.update(saved)
        app.amqp.router = saved_router
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            if chain is not None:
                drop_chain(chain)
            delete_redis_keys(tag)
            purge_queue(queue)


def _worker_lines_of(log: Path, task_name: str, *, within: float = 30.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        lines = []
        for text in log.read_text(errors="replace").splitlines():
            try:
                line = json.loads(text)
            except ValueError:
                continue
            if isinstance(line, dict) and line.get("task_name") == task_name and "succeeded" in str(line["message"]):
                lines.append(line)
        if lines:
            return lines
        time.sleep(0.2)
    raise AssertionError(f"no JSON line of a finished {task_name} in the worker's log:\n{log.read_text()[-3000:]}")


@pytest.mark.processes
def test_the_worker_logs_a_requests_task_with_the_requests_id_and_chain(traced_chain, django_db_blocker):
    chain: WebhookChain = traced_chain["chain"]
    body, headers = signed_request(chain.secret, sample_check("TRACE-1", phone=None))
    client = Client(HTTP_HOST=chain.host)

    with django_db_blocker.unblock():  # type: ignore[attr-defined]  # committed: the drain is queued at commit
        response = client.post(
            f"/api/v1/pos/webhooks/{chain.connection_id}",
            data=body,
            content_type="application/json",
            headers={**{k: v for k, v in headers.items() if k != "Content-Type"}, "X-Request-ID": "trace-req-000001"},
        )
    assert response.status_code == 202, response.content
    assert response["X-Request-ID"] == "trace-req-000001"

    line = _worker_lines_of(traced_chain["log"], DRAIN)[0]

    assert line["request_id"] == "trace-req-000001"
    assert line["chain"] == chain.schema_name
    assert f"{DRAIN}[{line['task_id']}] succeeded" in line["message"]  # the task's own id
    assert line["user_id"] == "-"  # a POS pushed the check: nobody was signed in
