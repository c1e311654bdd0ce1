"""Reads for the metrics: the receipt backlog of all chains, the POS kinds of processed receipts, the rows waiting in
the default partitions."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Sequence

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from maxloyalty.db.partition_health import default_partition_rows_in_schemas
from pos.models import PosConnection, Receipt, ReceiptStatus
from tenants.selectors import served_chains

logger = logging.getLogger(__name__)


def receipt_backlog() -> tuple[int, float]:
    """(receipts waiting for processing, seconds the oldest has waited) over every served chain: one statement, a
    count over each chain's small partial index of pending receipts, under a short statement timeout."""
    schemas = list(served_chains().values_list("schema_name", flat=True))
    if not schemas:
        return 0, 0.0
    quote = connection.ops.quote_name
    table = quote(Receipt._meta.db_table)
    one_chain = "SELECT count(*) AS waiting, min(received_at) AS oldest FROM {}.{} WHERE status = %s"
    union = " UNION ALL ".join(one_chain.format(quote(schema), table) for schema in schemas)
    sql = f"SELECT coalesce(sum(waiting), 0), min(oldest) FROM ({union}) AS pending"  # noqa: S608 (schema names; values are parameters)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 2000")
        cursor.execute(sql, [ReceiptStatus.RECEIVED.value] * len(schemas))
        waiting, oldest = cursor.fetchone()
    age = (timezone.now() - oldest).total_seconds() if oldest is not None else 0.0
    return int(waiting), max(age, 0.0)


def finished_receipts_by_kind(receipt_ids: Sequence[int]) -> Counter[tuple[str, str]]:
    """(POS kind, status) → how many of these receipts (of the current chain)."""
    kinds = dict(PosConnection.objects.values_list("id", "kind"))
    counts: Counter[tuple[str, str]] = Counter()
    for connection_id, status in Receipt.objects.filter(pk__in=receipt_ids).values_list("connection_id", "status"):
        counts[(kinds.get(connection_id, "unknown"), status)] += 1
    return counts


class ReceiptBacklogCollector(Collector):
    """The backlog gauges, computed when scraped (one bounded statement per scrape)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            waiting, age = receipt_backlog()
        except Exception:  # the database is away: the other series are still served (readiness says why)
            logger.warning("metrics: the receipt backlog could not be read", exc_info=True)
            return
        yield GaugeMetricFamily(
            "maxloyalty_pos_receipt_backlog", "Receipts received and waiting for processing, all chains.", value=waiting
        )
        yield GaugeMetricFamily(
            "maxloyalty_pos_receipt_backlog_oldest_age_seconds",
            "How long the oldest waiting receipt has waited (the drain's lag), all chains.",
            value=age,
        )


def default_partition_rows() -> dict[str, int]:
    """table → rows waiting in its default partitions over every served chain (0 once maintenance drained them):
    one catalog query and one counting statement, under a short statement timeout."""
    schemas = list(served_chains().values_list("schema_name", flat=True))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 2000")
        return default_partition_rows_in_schemas(cursor, schemas)


class DefaultPartitionCollector(Collector):
    """maxloyalty_partition_default_rows{table}: rows that fell outside every month partition (an imported visit
    from years ago, a clock far ahead), kept by the default partition until the nightly maintenance moves them."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "maxloyalty_partition_default_rows",
            "Rows waiting in the default partition of each partitioned table, all chains.",
            labels=["table"],
        )
        try:
            counts = default_partition_rows()
        except Exception:  # the database is away: the other series are still served (readiness says why)
            logger.warning("metrics: the default partitions could not be counted", exc_info=True)
            return
        for table, rows in sorted(counts.items()):
            family.add_metric([table], rows)
        yield family


def celery_queue_names() -> list[str]:
    """The queues tasks go to: every workload's (maxloyalty.task_routes), the default one and any other queue
    CELERY_TASK_ROUTES names (bounded by the settings)."""
    names = {settings.CELERY_TASK_DEFAULT_QUEUE, *settings.TASK_QUEUES}
    routes = getattr(settings, "CELERY_TASK_ROUTES", None) or {}
    if isinstance(routes, dict):
        names.update(str(route["queue"]) for route in routes.values() if isinstance(route, dict) and "queue" in route)
    return sorted(names)


def celery_queue_lengths(timeout: float = 1.0) -> dict[str, int]:
    """Messages waiting in each Celery queue, when the broker is Redis (a list per queue); empty otherwise."""
    url: str = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return {}
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        names = celery_queue_names()
        with client.pipeline(transaction=False) as pipeline:
            for name in names:
                pipeline.llen(name)
            return dict(zip(names, (int(length) for length in pipeline.execute()), strict=True))
    finally:
        client.close()


class CeleryQueueCollector(Collector):
    """maxloyalty_celery_queue_length{queue}, read from the broker when scraped."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "maxloyalty_celery_queue_length", "Tasks waiting in each Celery queue (Redis broker).", labels=["queue"]
        )
        try:
            lengths = celery_queue_lengths()
        except Exception:  # the broker is away: the other series are still served (readiness says why)
            logger.warning("metrics: the Celery queue lengths could not be read", exc_info=True)
            return
        for name, length in lengths.items():
            family.add_metric([name], length)
        yield family
