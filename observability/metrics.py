"""The Prometheus metrics of MAX-LOYALTY, defined once, and their exposition in the text format.

prometheus_client in multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set (gunicorn's workers and Celery's
processes each write their values to files there; a scrape of any process adds them up), in-process otherwise.
Labels only ever carry bounded values: a view's name, a status, a task's name, a POS kind, a reason code; never a
guest, a chain or an id.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.registry import Collector

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_SECONDS = Histogram(
    "maxloyalty_http_request_duration_seconds",
    "Django requests by view name, method and status code.",
    ["view", "method", "status"],
    buckets=_LATENCY_BUCKETS,
)
DATABASE_QUERY_SECONDS = Histogram(
    "maxloyalty_db_query_duration_seconds",
    "SQL statements by database alias (its _count is the number of queries).",
    ["alias"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0),
)
CACHE_READS = Counter(
    "maxloyalty_cache_reads_total", "Cache reads by cache alias and result (hit, miss).", ["cache", "result"]
)
CELERY_TASKS = Counter(
    "maxloyalty_celery_tasks_total",
    "Celery tasks finished, by task name and state (succeeded, failed, retried).",
    ["task", "state"],
)
CELERY_TASK_SECONDS = Histogram(
    "maxloyalty_celery_task_duration_seconds", "Celery task run time by task name.", ["task"], buckets=_LATENCY_BUCKETS
)
POS_CHECKS_RECEIVED = Counter(
    "maxloyalty_pos_checks_received_total",
    "New POS checks stored (a repeated delivery is not counted), by POS kind (iiko, rkeeper, webhook) and how they"
    " came (webhook, notification, pull).",
    ["pos_kind", "source"],
)
POS_CHECKS_FINISHED = Counter(
    "maxloyalty_pos_checks_total",
    "POS checks that reached a final state, by POS kind and status (processed, failed).",
    ["pos_kind", "status"],
)
POS_REJECTED_ATTEMPTS = Counter(
    "maxloyalty_pos_rejected_attempts_total", "Refused POS pushes by endpoint and reason code.", ["endpoint", "reason"]
)
LEDGER_POINTS = Counter(
    "maxloyalty_ledger_points_total",
    "Points written to the ledger: direction issued (positive entries) or spent (negative), by entry kind.",
    ["direction", "kind"],
)
TELEGRAM_MESSAGES = Counter("maxloyalty_telegram_messages_total", "Telegram deliveries by outcome.", ["outcome"])
GUEST_MESSAGES = Counter(
    "maxloyalty_guest_messages_total",
    "Messages to guests (messaging.services) by channel and how they ended: sent, failed, suppressed (not sent: no "
    "consent or reachable channel, a cap, consent withdrawn before sending), bounced, complained.",
    ["channel", "outcome"],
)
ANALYTICS_REPLICA_SKIPS = Counter(
    "maxloyalty_analytics_replica_skips_total",
    "Checks of the analytics read replica that sent analytics reads to the primary, by reason (lag, unreachable).",
    ["reason"],
)
BILLING_WEBHOOKS = Counter(
    "maxloyalty_billing_webhooks_total", "Payment providers' webhooks by provider and outcome.", ["provider", "outcome"]
)


def exposition(scrape_time: Iterable[Collector] = ()) -> bytes:
    """Every metric in Prometheus' text format: all processes' values in multiprocess mode, then the collectors
    computed now (gauges that need a query: one answer, not one per process)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # its __init__ is unannotated
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    now = CollectorRegistry()
    for collector in scrape_time:
        now.register(collector)
    return body + generate_latest(now)
