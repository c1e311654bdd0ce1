"""Webhook benchmark: signed POS checks end to end (HTTP in → points in the ledger), beside two baselines.

Stack: gunicorn (gthread: BENCH_GUNICORN_WORKERS processes, default 2, one per core of the reference machine, with
BENCH_GUNICORN_THREADS threads each, default 8, so that the 16 senders' webhooks meet in the intake's group commit)
serving the app with DEBUG off, one Celery worker (prefork,
BENCH_CELERY_CONCURRENCY, default 1: one drain takes the whole backlog in bigger batches, where two on two cores
wait for each other's account locks and split the batches; BENCH_CELERY_NICE > 0
runs it below the web server's CPU priority, as a host serving both might) on Redis, PostgreSQL.
Load: 16 concurrent senders on loopback for a fixed time (bench.http_load), the webhooks signed beforehand. Measured in the same run:
- django_trivial_rps: a trivial JSON view through the same middleware stack (the framework's ceiling), run before
  and after the webhook phase and averaged, so that the host's drift during the run moves both sides alike;
- pgbench_accrual_tps: pgbench running the accrual transaction (INSERT a ledger row + UPDATE the balance) on the
  real loyalty tables with 16 clients (the database's ceiling);
- webhook_checks_per_s: checks acknowledged 202 divided by the time from the first send until the last of them
  is processed; webhook_ack_p99_ms: the 99th percentile of the acknowledgement latency.
Results are appended to bench/out/results.json. Run alone with `python -m bench.webhook`; BENCH_SCALE=small is
a quick run.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bench.results import (
    OUT,
    append_results,
    entry,
    percentile,
    print_table,
    scale_name,
    setup_django,
)
from maxloyalty.postgres_programs import postgres_connection_args, postgres_program
from maxloyalty.task_routes import WORKLOADS
from tests.process_harness import (
    WebhookChain,
    celery_worker_command,
    create_webhook_chain,
    delete_redis_keys,
    drop_chain,
    free_port,
    gunicorn_command,
    process_env,
    purge_queue,
    running,
    sample_check,
    signed_request,
    wait_until_serving,
)

CONCURRENCY = 16


@dataclass(frozen=True)
class Scale:
    name: str
    seconds: float
    guests: int

    @property
    def prepared_per_sender(self) -> int:
        return int(self.seconds * 1500 / CONCURRENCY)  # beyond the framework's ceiling for this many seconds


SCALES = {"small": Scale("small", seconds=5, guests=200), "full": Scale("full", seconds=20, guests=2000)}


ACCRUAL_SQL = """\\set guest random({first_guest}, {last_guest})
BEGIN;
INSERT INTO "{schema}".loyalty_ledgerentry (kind, points, guest_id, reason, created_at, available_at, is_pending,
    remaining_points, idempotency_key, shortfall_points)
  VALUES ('accrual', 50, :guest, '', now(), now(), false, 50, md5(random()::text || clock_timestamp()::text), 0);
UPDATE "{schema}".loyalty_pointsaccount SET available = available + 50, updated_at = now() WHERE guest_id = :guest;
END;
"""


def pgbench_accrual_tps(*, schema: str, seconds: float) -> float:
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT min(id), max(id) FROM "{schema}".guests_guest')
        first_guest, last_guest = cursor.fetchone()
    db = settings.DATABASES["default"]
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(ACCRUAL_SQL.format(schema=schema, first_guest=first_guest, last_guest=last_guest))
    connection_options, env = postgres_connection_args()
    command = [
        postgres_program("pgbench"),
        "--no-vacuum",
        "--client",
        str(CONCURRENCY),
        "--jobs",
        "2",
        "--time",
        str(int(seconds)),
        "--file",
        script.name,
        *connection_options,
        str(db["NAME"]),
    ]
    try:
        output = subprocess.run(
            command, env=env, capture_output=True, text=True, check=True, timeout=seconds + 60
        ).stdout
    finally:
        os.unlink(script.name)
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output) or re.search(
        r"tps = ([\d.]+)", output
    )
    if not match:
        raise RuntimeError(f"pgbench printed no tps:\n{output}")
    return float(match.group(1))


def _prepare_accounts(schema: str) -> None:
    """Every guest gets an account row, as the first accrual would create it (pgbench only updates)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{schema}".loyalty_pointsaccount (guest_id, available, pending, lifetime_spend_amount, updated_at) '
            f'SELECT id, 0, 0, 0, now() FROM "{schema}".guests_guest ON CONFLICT (guest_id) DO NOTHING'
        )


def pending_receipts(schema: str) -> int:
    """Receipts not processed yet: a count over the small pending index, cheap enough to poll inside a measured
    phase (a count over the whole table, polled, would show up in PostgreSQL's figure)."""
    from django_tenants.utils import schema_context

    from pos.models import Receipt, ReceiptStatus

    with schema_context(schema):
        return Receipt.objects.filter(status__in=(ReceiptStatus.RECEIVED, ReceiptStatus.FAILED)).count()


def processed_summary(schema: str) -> tuple[int, int, datetime | None]:
    """The chain's receipts: how many, how many not processed yet, and when the last was processed."""
    from django_tenants.utils import schema_context

    from pos.models import Receipt

    with schema_context(schema):
        total = Receipt.objects.count()
        pending = Receipt.objects.exclude(status="processed").count()
        last = Receipt.objects.order_by("-processed_at").values_list("processed_at", flat=True).first()
    return total, pending, last


def _checks_per_statement(schema: str, since: datetime) -> tuple[float, float]:
    """Mean group sizes: checks per acknowledgement INSERT (the checks of one INSERT share its received_at) and per
    drain batch (the receipts of one batch share its processed_at)."""
    from django.db.models import Count
    from django_tenants.utils import schema_context

    from pos.models import Receipt

    with schema_context(schema):
        counts = Receipt.objects.filter(received_at__gte=since).aggregate(
            checks=Count("id"),
            inserts=Count("received_at", distinct=True),
            batches=Count("processed_at", distinct=True),
        )
    return (
        counts["checks"] / counts["inserts"] if counts["inserts"] else 0.0,
        counts["checks"] / counts["batches"] if counts["batches"] else 0.0,
    )


Request = tuple[str, str, dict[str, str], bytes | None]  # what bench.http_load sends: method, path, headers, body


@dataclass(frozen=True)
class WebhookStack:
    """A benchmark chain with its webhook connection and guests, and what the gunicorn and Celery processes serving
    it need (environment, port, queue); the requests the load sends."""

    chain: WebhookChain
    env: dict[str, str]
    port: int
    queue: str
    tag: str
    rng: random.Random

    def trivial_request(self, sender: int, number: int) -> Request:
        return "GET", "/bench/trivial", {"Host": self.chain.host}, None

    def signed_webhook(self, prefix: str, sender: int, number: int) -> Request:
        """A signed check of a random guest, its id `prefix-sender-number`."""
        phone = self.chain.guest_phones[self.rng.randrange(len(self.chain.guest_phones))]
        body, headers = signed_request(
            self.chain.secret,
            sample_check(f"{prefix}-{sender}-{number}", phone=phone, amount=1000 + 10 * (number % 50)),
        )
        return "POST", f"/api/v1/pos/webhooks/{self.chain.connection_id}", {**headers, "Host": self.chain.host}, body

    def prepared_webhooks(self, prefix: str, *, per_sender: int) -> Callable[[int, int], Request]:
        """Webhooks signed before the measured window (a POS signs on its own machine, not on the server's cores);
        a sender that outruns its stock signs on the fly."""
        stock = [[self.signed_webhook(prefix, sender, number) for number in range(per_sender)]
                 for sender in range(CONCURRENCY)]  # fmt: skip
        return lambda sender, number: (
            stock[sender][number] if number < per_sender else self.signed_webhook(prefix, sender, number)
        )

    def gunicorn(self, *, workers: int, threads: int, log: str) -> AbstractContextManager[subprocess.Popen[bytes]]:
        command = gunicorn_command(port=self.port, workers=workers, threads=threads)
        return running(command, env=self.env, log=OUT / log)

    def celery(
        self, *, name: str, concurrency: int = 1, nice: int = 0, log: str, workloads: tuple[str, ...] = WORKLOADS
    ) -> AbstractContextManager[subprocess.Popen[bytes]]:
        """A worker on the queues of `workloads` (all by default; as deployed, one per workload)."""
        command = celery_worker_command(
            queue=self.queue, concurrency=concurrency, name=f"{self.tag}-{name}", nice=nice, workloads=workloads
        )
        return running(command, env=self.env, log=OUT / log)

    def wait_until_serving(self) -> None:
        wait_until_serving(f"http://127.0.0.1:{self.port}", self.chain.host)


@contextmanager
def webhook_stack(tag: str, *, guests: int, seed: int = 7) -> Iterator[WebhookStack]:
    """A fresh chain for the run (shared schema migrated first), dropped afterwards with its Redis keys and queue."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    queue = f"pos-{tag}"
    chain = create_webhook_chain(slug=tag, guests=guests)
    env = process_env(database_name=connection.settings_dict["NAME"], queue=queue, cache_prefix=tag)
    env["ROOT_URLCONF"] = "bench.urls"
    try:
        yield WebhookStack(chain=chain, env=env, port=free_port(), queue=queue, tag=tag, rng=random.Random(seed))
    finally:
        connection.set_schema_to_public()
        drop_chain(chain)
        delete_redis_keys(tag)
        purge_queue(queue)


def run(requested_scale: str | None = None) -> list[dict[str, Any]]:
    setup_django()
    from django.utils import timezone

    from bench.http_load import run_load

    scale = SCALES[scale_name(requested_scale)]
    workers = int(os.environ.get("BENCH_GUNICORN_WORKERS", "2"))
    threads = int(os.environ.get("BENCH_GUNICORN_THREADS", "8"))
    celery_concurrency = int(os.environ.get("BENCH_CELERY_CONCURRENCY", "1"))
    celery_nice = int(os.environ.get("BENCH_CELERY_NICE", "0"))
    with webhook_stack(f"benchwh{os.getpid()}", guests=scale.guests) as stack:
        schema = stack.chain.schema_name
        with (
            stack.gunicorn(workers=workers, threads=threads, log="webhook-gunicorn.log"),
            stack.celery(name="drain", concurrency=celery_concurrency, nice=celery_nice, log="webhook-celery.log"),
        ):
            stack.wait_until_serving()
            warm = run_load(port=stack.port, make_request=stack.trivial_request, concurrency=4, seconds=1)
            assert warm.statuses.get(200), f"the trivial view does not answer: {warm.statuses}"
            trivial = run_load(
                port=stack.port, make_request=stack.trivial_request, concurrency=CONCURRENCY, seconds=scale.seconds
            )
            webhook_request = stack.prepared_webhooks("B", per_sender=scale.prepared_per_sender)

            # Warm the path (connection cache, program cache, Celery pool) outside the measured window.
            run_load(
                port=stack.port, make_request=lambda s, n: stack.signed_webhook("W", s, n), concurrency=4, seconds=1
            )
            deadline = time.monotonic() + 60
            while pending_receipts(schema) and time.monotonic() < deadline:
                time.sleep(0.2)
            warm_count = processed_summary(schema)[0]

            started_at = timezone.now()
            webhook = run_load(
                port=stack.port, make_request=webhook_request, concurrency=CONCURRENCY, seconds=scale.seconds
            )
            deadline = time.monotonic() + max(120.0, scale.seconds * 10)
            while pending_receipts(schema) and time.monotonic() < deadline:
                time.sleep(0.2)
            total, pending, last_processed = processed_summary(schema)  # once, after the measured window
            # The trivial view again, after the webhooks: the baseline is the mean of the runs on either side, so a
            # host whose speed drifts during the benchmark moves the baseline with the webhook phase between them.
            trivial_after = run_load(
                port=stack.port, make_request=stack.trivial_request, concurrency=CONCURRENCY, seconds=scale.seconds
            )
        acknowledged = webhook.statuses.get(202, 0)
        if pending:
            raise RuntimeError(f"{pending} checks were still unprocessed when the benchmark gave up waiting")
        assert total - warm_count == acknowledged, (total, warm_count, acknowledged)
        per_insert, per_batch = _checks_per_statement(schema, started_at)
        processing_seconds = max((last_processed - started_at).total_seconds(), webhook.seconds)
        checks_per_second = acknowledged / processing_seconds
        _prepare_accounts(schema)
        pgbench_tps = pgbench_accrual_tps(schema=schema, seconds=scale.seconds)

    trivial_rps = (trivial.per_second + trivial_after.per_second) / 2
    trivial_latencies = trivial.latencies_ms + trivial_after.latencies_ms
    ack_p50, ack_p99 = percentile(webhook.latencies_ms, 0.5), percentile(webhook.latencies_ms, 0.99)
    trivial_p50, trivial_p99 = percentile(trivial_latencies, 0.5), percentile(trivial_latencies, 0.99)
    results = [
        entry(
            "webhook_checks_per_s",
            checks_per_second,
            "checks/s",
            baseline="django_trivial_rps",
            baseline_value=trivial_rps,
            scale=scale.name,
        ),
        entry(
            "webhook_checks_per_s",
            checks_per_second,
            "checks/s",
            baseline="pgbench_accrual_tps",
            baseline_value=pgbench_tps,
            scale=scale.name,
        ),
        entry(
            "webhook_ack_p99_ms",
            ack_p99,
            "ms",
            baseline="django_trivial_p99_ms",
            baseline_value=trivial_p99,
            scale=scale.name,
        ),
    ]
    others = {status: count for status, count in webhook.statuses.items() if status != 202}
    print_table(
        f"Webhook ({scale.name}: {scale.seconds:.0f} s per phase, {CONCURRENCY} senders, gunicorn {workers} gthread "
        f"workers × {threads} threads, Celery prefork {celery_concurrency})",
        [
            (
                "django trivial JSON view",
                f"{trivial_rps:,.0f} req/s",
                f"before {trivial.per_second:,.0f}, after {trivial_after.per_second:,.0f}; "
                f"p50 {trivial_p50:.1f} ms, p99 {trivial_p99:.1f} ms",
            ),
            ("pgbench accrual transaction", f"{pgbench_tps:,.0f} tx/s", f"{CONCURRENCY} clients"),
            (
                "webhook, HTTP in → points in ledger",
                f"{checks_per_second:,.0f} checks/s",
                f"{acknowledged} acknowledged, {per_insert:.1f} per INSERT, {per_batch:.0f} per batch; ack p50 {ack_p50:.1f} ms, "
                f"p99 {ack_p99:.1f} ms; errors {webhook.errors}, other {others}",
            ),
            ("ratio to trivial view", f"{checks_per_second / trivial_rps:.2f}", "target ≥ 0.50"),
            ("ratio to pgbench", f"{checks_per_second / pgbench_tps:.2f}", "target ≥ 0.10"),
            ("acknowledgement p99", f"{ack_p99:.1f} ms", "target < 50 ms"),
        ],
        header=("measure", "value", "detail"),
    )
    append_results(results)
    return results


if __name__ == "__main__":
    run()
