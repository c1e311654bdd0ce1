"""Celery tasks are counted by name and state (succeeded, failed) and timed: in process, and by a real worker that
serves its processes' metrics on CELERY_METRICS_PORT."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.db import connection

from maxloyalty.celery import app
from observability.tests.test_business_metrics import scrape, value
from tests.process_harness import celery_worker_command, free_port, process_env, running

LOGS = Path(__file__).resolve().parents[2] / "test-artifacts" / "task-metrics"
TASK = "tenants.tasks.purge_expired_signups"
FANOUT = "tenants.tasks.run_in_every_chain"  # fails inside the task when asked for a task that does not exist


def test_a_task_run_counts_by_name_and_state(db):
    from tenants.tasks import purge_expired_signups, run_in_every_chain

    before = scrape()
    purge_expired_signups.delay()  # eager in the test settings: the same signals as in a worker
    failed = run_in_every_chain.apply(args=["no.such.task"], throw=False)  # as a worker runs it: not raised here
    after = scrape()

    assert failed.failed()
    name = "maxloyalty_celery_tasks_total"
    assert value(after, name, task=TASK, state="succeeded") - value(before, name, task=TASK, state="succeeded") == 1
    assert value(after, name, task=FANOUT, state="failed") - value(before, name, task=FANOUT, state="failed") == 1
    assert value(after, name, task=FANOUT, state="succeeded") == value(before, name, task=FANOUT, state="succeeded")
    timed = "maxloyalty_celery_task_duration_seconds_count"
    assert value(after, timed, task=TASK) - value(before, timed, task=TASK) == 1


@pytest.fixture
def worker(django_db_setup: None, django_db_blocker: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict]:
    queue = f"q-task-metrics-{time.monotonic_ns()}"
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        env = process_env(database_name=connection.settings_dict["NAME"], queue=queue, cache_prefix="task-metrics")
    port = free_port()
    env.update(CELERY_METRICS_PORT=str(port), PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "counter_1.db").write_bytes(b"")  # a file of an earlier run: emptied at start
    command = celery_worker_command(queue=queue, concurrency=2, name="metrics")
    with running(command, env=env, log=LOGS / "worker.log"):
        yield {"queue": queue, "url": f"http://127.0.0.1:{port}/metrics"}


def _metrics_when(url: str, ready: str, *, within: float = 60.0) -> str:
    deadline = time.monotonic() + within
    text = ""
    while time.monotonic() < deadline:
        try:
            text = httpx.get(url, timeout=2).text
        except httpx.HTTPError:
            text = ""
        if ready in text:
            return text
        time.sleep(0.3)
    raise AssertionError(f"{ready!r} not in the worker's metrics:\n{text}")


@pytest.mark.processes
@pytest.mark.filterwarnings("ignore:task_always_eager has no effect on send_task")
def test_a_worker_serves_its_processes_task_metrics_on_its_port(worker):
    app.send_task(TASK, queue=worker["queue"])
    app.send_task(FANOUT, args=["no.such.task"], queue=worker["queue"])

    text = _metrics_when(worker["url"], f'maxloyalty_celery_tasks_total{{state="failed",task="{FANOUT}"}} 1.0')
    text = _metrics_when(worker["url"], f'maxloyalty_celery_tasks_total{{state="succeeded",task="{TASK}"}} 1.0')

    assert f'maxloyalty_celery_task_duration_seconds_count{{task="{TASK}"}} 1.0' in text
