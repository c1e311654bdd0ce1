"""Receivers that count: the domain events (points written, receipts finished), Celery's task signals and every
new database connection (its queries are timed). Each business event is counted once, where it is announced."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from celery.signals import (
    task_failure,
    task_postrun,
    task_prerun,
    task_retry,
    worker_init,
    worker_process_shutdown,
    worker_ready,
)
from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from loyalty.events import checks_applied, points_changed, points_granted
from loyalty.models import LedgerEntry
from observability import metrics
from observability.selectors import finished_receipts_by_kind
from pos.events import ProcessedReceipt, receipts_processed


def count_ledger_entries(entries: list[LedgerEntry]) -> None:
    for entry in entries:
        if entry.points:
            direction = "issued" if entry.points > 0 else "spent"
            metrics.LEDGER_POINTS.labels(direction=direction, kind=str(entry.kind)).inc(abs(entry.points))


@receiver(checks_applied)
def count_points_of_checks(sender: type, applied: list[tuple[Any, Any]], **kwargs: Any) -> None:
    count_ledger_entries([entry for _guest, outcome in applied for entry in outcome.entries])


@receiver(points_granted)
@receiver(points_changed)
def count_points_written(sender: type, entries: list[LedgerEntry], **kwargs: Any) -> None:
    count_ledger_entries(entries)


@receiver(receipts_processed)
def count_finished_receipts(sender: type, receipts: list[ProcessedReceipt], **kwargs: Any) -> None:
    for (kind, status), count in finished_receipts_by_kind([receipt.receipt_id for receipt in receipts]).items():
        metrics.POS_CHECKS_FINISHED.labels(pos_kind=kind, status=status).inc(count)


# --- database ------------------------------------------------------------------------------------------------------


def _timed_query(alias: str) -> Callable[..., Any]:
    histogram = metrics.DATABASE_QUERY_SECONDS.labels(alias=alias)

    def execute(run: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        started = time.perf_counter()
        try:
            return run(sql, params, many, context)
        finally:
            histogram.observe(time.perf_counter() - started)

    return execute


@receiver(connection_created)
def time_the_queries_of(sender: type, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    if not any(
        getattr(wrapper, "__qualname__", "").startswith("_timed_query") for wrapper in connection.execute_wrappers
    ):
        connection.execute_wrappers.append(_timed_query(connection.alias))


# --- Celery --------------------------------------------------------------------------------------------------------

_task_started: dict[str, float] = {}


@task_prerun.connect
def _task_starts(task_id: str = "", **kwargs: Any) -> None:
    _task_started[task_id] = time.perf_counter()


@task_postrun.connect
def _task_ends(task_id: str = "", task: Any = None, state: str | None = None, **kwargs: Any) -> None:
    started = _task_started.pop(task_id, None)
    name = getattr(task, "name", "unknown")
    if started is not None:
        metrics.CELERY_TASK_SECONDS.labels(task=name).observe(time.perf_counter() - started)
    if state == "SUCCESS":
        metrics.CELERY_TASKS.labels(task=name, state="succeeded").inc()


@task_failure.connect
def _task_fails(sender: Any = None, **kwargs: Any) -> None:
    metrics.CELERY_TASKS.labels(task=getattr(sender, "name", "unknown"), state="failed").inc()


@task_retry.connect
def _task_retries(sender: Any = None, **kwargs: Any) -> None:
    metrics.CELERY_TASKS.labels(task=getattr(sender, "name", "unknown"), state="retried").inc()


@worker_init.connect
def _forget_earlier_runs(**kwargs: Any) -> None:
    """As gunicorn's on_starting: a worker starts with an empty PROMETHEUS_MULTIPROC_DIR (its own, never the web's)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        for stale in Path(directory).glob("*.db"):
            stale.unlink()


@worker_ready.connect
def _serve_worker_metrics(**kwargs: Any) -> None:
    """A Celery worker has no web server: with CELERY_METRICS_PORT set, its main process serves /metrics (every
    child's values, in multiprocess mode) on that port, for Prometheus inside the cluster, never a public one."""
    port: int = settings.CELERY_METRICS_PORT
    if port:
        from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

        registry = REGISTRY
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # unannotated library
        start_http_server(port, addr=settings.CELERY_METRICS_ADDRESS, registry=registry)


@worker_process_shutdown.connect
def _forget_worker_process(pid: int | None = None, **kwargs: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())  # type: ignore[no-untyped-call]  # unannotated library
