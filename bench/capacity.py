"""Capacity benchmark: how many chains × active guests × checks/s one PostgreSQL server takes before the POS
path's targets break (the numbers behind docs/scaling.md). Not part of `make bench`: `python -m bench capacity`.

Stack as in bench.webhook: gunicorn (BENCH_GUNICORN_WORKERS × BENCH_GUNICORN_THREADS), a Celery worker
(BENCH_CELERY_CONCURRENCY processes), PostgreSQL; the application's settings (POS_DRAIN_LINGER_SECONDS, ...) come
from the environment. Chains: one made as sign-up makes it, with a signed-webhook connection and
BENCH_CAPACITY_GUESTS guests (the active guests of a chain), the others copies of its schema taken before any check
(as bench.routing copies), grown to each count of BENCH_CAPACITY_CHAINS in turn. At each count: a warm-up check to
every chain, the trivial view's rate (the framework's ceiling at that moment, the baseline), then an open-loop load
(checks due at a fixed rate, up to 16 in flight: the target's 16 concurrent senders; a latency counts from when its
check was due, so a server that falls behind shows it) at each rate of BENCH_CAPACITY_RATES for
BENCH_CAPACITY_SECONDS, every check to a random chain and one of its guests, until a step saturates:
acknowledgements below 95 % of the offered rate, or the last check processed (points in the ledger) more than
max(2 s, 20 % of the step) after the last send. A step also misses the target when its acknowledgement p99 reaches
50 ms (README, Benchmarks) or a check is not acknowledged with 202.
Per step: acknowledged and processed rates, ack p50/p99, drain lag, CPU of the web server, the Celery worker,
PostgreSQL, the load generator and every other process (a shared host) as a share of the machine, the app's and
PostgreSQL's CPU milliseconds per check, server connections; per count: relations per chain schema, pg_class rows,
the catalogs' size, the database's size and the PostgreSQL processes' private memory. To bench/out/results.json,
per count, beside the trivial view's rate: capacity_checks_per_s_<N>_chains (the highest rate taken whole) and
capacity_checks_per_s_targets_met_<N>_chains (the highest with the p99 target met too).
"""

from __future__ import annotations

import itertools
import os
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.http_load import Request
from bench.results import OUT, append_results, entry, percentile, print_table, scale_name, setup_django
from bench.routing import _schema_script, _settle, run_schema_script
from bench.webhook_stages import _process_cpu
from tests.process_harness import (
    WebhookChain,
    celery_worker_command,
    create_webhook_chain,
    delete_redis_keys,
    free_port,
    gunicorn_command,
    process_env,
    purge_queue,
    running,
    sample_check,
    signed_request,
    wait_until_serving,
)

SENDERS = 16
ACK_P99_TARGET_MS = 50.0
SLUG_PREFIX = "benchcap"
KINDS = ("web server", "Celery worker", "PostgreSQL", "load generator")


@dataclass(frozen=True)
class Scale:
    name: str
    chains: tuple[int, ...]
    rates: tuple[int, ...]
    seconds: float
    guests: int


SCALES = {
    "small": Scale("small", chains=(10, 100), rates=(100, 200, 400, 800), seconds=5, guests=50),
    "full": Scale(
        "full", chains=(10, 100, 1000), rates=(50, 100, 200, 400, 600, 800, 1000, 1200, 1400), seconds=8, guests=100
    ),
}


def configured_scale(requested: str | None) -> Scale:
    """The scale, with BENCH_CAPACITY_CHAINS / _RATES (comma-separated), _SECONDS and _GUESTS overriding it."""
    base = SCALES[scale_name(requested)]

    def numbers(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
        text = os.environ.get(name, "")
        return tuple(sorted(int(part) for part in text.split(",") if part.strip())) or default

    return Scale(
        base.name,
        chains=numbers("BENCH_CAPACITY_CHAINS", base.chains),
        rates=numbers("BENCH_CAPACITY_RATES", base.rates),
        seconds=float(os.environ.get("BENCH_CAPACITY_SECONDS", base.seconds)),
        guests=int(os.environ.get("BENCH_CAPACITY_GUESTS", base.guests)),
    )


# --- the chains ------------------------------------------------------------------------------------------------


def _slug(number: int) -> str:
    return f"{SLUG_PREFIX}-{number:04d}"


@dataclass
class Fleet:
    """The run's chains: the first made by the services, the others copies of its schema; all share its webhook
    connection id, signing secret (encrypted with the deployment's key, so a copy decrypts it) and guests' phones."""

    template: WebhookChain
    script: str
    schemas: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)

    def grow(self, count: int) -> float:
        """Copy the template until there are `count` chains; seconds it took."""
        from django.db import connection

        from billing.services import start_trial
        from tenants.models import Chain, Domain
        from tenants.validators import schema_name_for

        began = time.monotonic()
        numbers = range(len(self.hosts) + 1, count + 1)
        if not numbers:
            return 0.0
        connection.set_schema_to_public()
        first = Chain.objects.get(pk=self.template.chain_id)
        new_schemas = [schema_name_for(_slug(number)) for number in numbers]
        run_schema_script(self.script, self.template.schema_name, new_schemas)
        copies = Chain.objects.bulk_create(  # bulk: no schema of their own is created, the copies are theirs
            [
                Chain(
                    schema_name=schema,
                    slug=_slug(number),
                    name=f"Capacity {number}",
                    time_zone=first.time_zone,
                    currency=first.currency,
                    default_language=first.default_language,
                    status=first.status,
                )
                for number, schema in zip(numbers, new_schemas, strict=True)
            ]
        )
        Domain.objects.bulk_create([Domain(domain=chain.host, tenant=chain, is_primary=True) for chain in copies])
        for chain in copies:
            start_trial(chain=chain)
        _settle()
        self.schemas += new_schemas
        self.hosts += [chain.host for chain in copies]
        return time.monotonic() - began


def drop_capacity_chains() -> None:
    """Every chain and schema of this benchmark, also those of an interrupted run, and the template's owner."""
    from django.db import connection, transaction
    from django_tenants.utils import schema_context

    from accounts.models import User
    from tenants.models import Chain
    from tenants.validators import schema_name_for

    connection.set_schema_to_public()
    first = schema_name_for(_slug(1))
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [f"{SLUG_PREFIX}\\_%"])
        schemas = {name for (name,) in cursor.fetchall()}
    for schema in sorted(schemas - {first}):  # the copies first: their rows may point at the owner
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    if first in schemas:
        with schema_context(first):  # deleting a user reaches tenant tables (permissions, audit)
            User.objects.filter(email=f"owner@{_slug(1)}.test").delete()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{first}" CASCADE')
    connection.set_schema_to_public()
    Chain.objects.filter(slug__startswith=f"{SLUG_PREFIX}-").delete()  # domains and trials with them


@contextmanager
def capacity_fleet(guests: int) -> Iterator[Fleet]:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    drop_capacity_chains()
    try:
        template = create_webhook_chain(slug=_slug(1), guests=guests)
        connection.set_schema_to_public()
        script = _schema_script(template.schema_name)  # before any check: the copies start empty of receipts
        yield Fleet(template=template, script=script, schemas=[template.schema_name], hosts=[template.host])
    finally:
        drop_capacity_chains()


# --- what the database holds and says ----------------------------------------------------------------------------


def _union(schemas: list[str], select: str) -> str:
    return " UNION ALL ".join(select.format(schema=schema) for schema in schemas)


def pending_receipts(schemas: list[str]) -> int:
    from django.db import connection

    sql = _union(schemas, "SELECT count(*) AS n FROM \"{schema}\".pos_receipt WHERE status IN ('received', 'failed')")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(sum(n), 0) FROM ({sql}) AS pending")
        return int(cursor.fetchone()[0])


def processed_since(schemas: list[str], since: Any) -> tuple[int, Any]:
    """Receipts received since `since` and processed; when the last of them was processed."""
    from django.db import connection

    sql = _union(
        schemas,
        'SELECT count(*) AS n, max(processed_at) AS last FROM "{schema}".pos_receipt '
        "WHERE received_at >= %(since)s AND status = 'processed'",
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(sum(n), 0), max(last) FROM ({sql}) AS done", {"since": since})
        count, last = cursor.fetchone()
    return int(count), last


def drop_pending(schemas: list[str]) -> int:
    """After a broken step: forget its unprocessed checks, so that the next count starts without a backlog."""
    from django.db import connection

    dropped = 0
    with connection.cursor() as cursor:
        for schema in schemas:
            cursor.execute(f"DELETE FROM \"{schema}\".pos_receipt WHERE status IN ('received', 'failed')")
            dropped += cursor.rowcount
    return dropped


def server_connections() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


@dataclass(frozen=True)
class Catalog:
    relations_per_chain: int
    pg_class_rows: int
    catalog_mb: float
    database_mb: float


def catalog(template_schema: str) -> Catalog:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s",
            [template_schema],
        )
        per_chain = int(cursor.fetchone()[0])
        cursor.execute("SELECT count(*) FROM pg_class")
        rows = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'pg_catalog' AND c.relkind = 'r'"
        )
        catalog_bytes = int(cursor.fetchone()[0])
        cursor.execute("SELECT pg_database_size(current_database())")
        database_bytes = int(cursor.fetchone()[0])
    return Catalog(per_chain, rows, catalog_bytes / 2**20, database_bytes / 2**20)


def postgres_private_mb() -> float | None:
    """Private memory (Private_Clean + Private_Dirty of smaps_rollup) of every PostgreSQL process: where each
    backend keeps its catalog caches. None when this user may not read them."""
    total_kb = 0
    readable = False
    for entry_path in Path("/proc").iterdir():
        if not entry_path.name.isdigit():
            continue
        try:
            if (entry_path / "comm").read_text().strip() != "postgres":
                continue
            rollup = (entry_path / "smaps_rollup").read_text()
        except OSError:
            continue
        readable = True
        for line in rollup.splitlines():
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total_kb += int(line.split()[1])
    return total_kb / 1024 if readable else None


# --- the load ----------------------------------------------------------------------------------------------------


@dataclass
class Paced:
    offered: int
    seconds: float  # from the first due time to the last response
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0


def paced_load(*, port: int, requests: list[Request], rate: float, senders: int = SENDERS) -> Paced:
    """Request k is due at start + k / rate; each of `senders` threads takes the next due request, waits for its
    time and sends it; its latency counts from the due time (a backlog's wait included)."""
    import http.client

    result = Paced(offered=len(requests), seconds=0.0)
    lock = threading.Lock()
    numbers = itertools.count()
    start = threading.Barrier(senders + 1)
    began: list[float] = []

    def sender() -> None:
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        errors = 0
        start.wait()
        while (number := next(numbers)) < len(requests):
            due = began[0] + number / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            method, path, headers, body = requests[number]
            try:
                client.request(method, path, body=body, headers=headers)
                response = client.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                client.close()
                continue
            latencies.append((time.perf_counter() - due) * 1000)
            statuses[response.status] = statuses.get(response.status, 0) + 1
        client.close()
        with lock:
            result.latencies_ms.extend(latencies)
            result.errors += errors
            for status, count in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + count

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(senders)]
    for thread in threads:
        thread.start()
    began.append(time.perf_counter() + 0.05)
    start.wait()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - began[0]
    return result


def signed_checks(fleet: Fleet, *, chains: int, count: int, prefix: str, rng: random.Random) -> list[Request]:
    """`count` signed checks, each to a random one of the first `chains` chains and a random guest of it."""
    template = fleet.template
    path = f"/api/v1/pos/webhooks/{template.connection_id}"
    requests: list[Request] = []
    for number in range(count):
        host = fleet.hosts[rng.randrange(chains)]
        phone = template.guest_phones[rng.randrange(len(template.guest_phones))]
        check = sample_check(f"{prefix}-{number}", phone=phone, amount=1000 + 10 * (number % 50))
        body, headers = signed_request(template.secret, check)
        requests.append(("POST", path, {**headers, "Host": host}, body))
    return requests


# --- one step ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    chains: int
    rate: int
    acknowledged: int
    ack_per_s: float
    processed_per_s: float
    drain_lag_s: float
    ack_p50_ms: float
    ack_p99_ms: float
    cpu_share: dict[str, float]  # of the whole machine, by kind
    others_share: float  # of the whole machine: every other process (other work on a shared host)
    idle_share: float
    connections: int
    other_statuses: dict[int, int]
    errors: int
    backlog_dropped: int

    def ack_broken(self) -> str | None:
        """Whether the acknowledgement missed its target: a check refused or lost, or the p99 at 50 ms or more."""
        if self.errors or self.other_statuses:
            return f"not acknowledged ({self.errors} errors, {self.other_statuses})"
        if self.ack_p99_ms >= ACK_P99_TARGET_MS:
            return f"ack p99 {self.ack_p99_ms:.0f} ms"
        return None

    def saturated(self, seconds: float) -> str | None:
        """Whether the stack could not take the offered rate at all: acknowledgements below 95 % of it, or the
        drain not keeping up (the last check processed more than max(2 s, 20 % of the step) after the last send)."""
        if self.ack_per_s < 0.95 * self.rate:
            return f"acks at {self.ack_per_s / self.rate:.0%} of offered"
        if self.backlog_dropped or self.drain_lag_s > max(2.0, 0.2 * seconds):
            return f"drain {self.drain_lag_s:.1f} s behind" + (
                f", {self.backlog_dropped} never processed" if self.backlog_dropped else ""
            )
        return None

    def broken_by(self, seconds: float) -> str | None:
        found = [reason for reason in (self.ack_broken(), self.saturated(seconds)) if reason]
        return "; ".join(found) or None

    def cpu_ms_per_check(self, kinds: tuple[str, ...]) -> float:
        """CPU milliseconds per acknowledged check of these processes during the step: what a dedicated server
        would spend on one check, whatever else ran on this host (the drain's work after the last send excluded)."""
        cores = os.cpu_count() or 1
        share = sum(self.cpu_share[kind] for kind in kinds)
        return share * cores * 1000 / self.ack_per_s if self.ack_per_s else 0.0

    def row(self, seconds: float) -> tuple[str, ...]:
        return (
            f"{self.chains:,}",
            f"{self.rate:,}/s",
            f"{self.ack_per_s:,.0f}/s",
            f"{self.processed_per_s:,.0f}/s",
            f"{self.ack_p50_ms:.1f} / {self.ack_p99_ms:.1f}",
            f"{self.drain_lag_s:.1f}",
            *(f"{self.cpu_share[kind] * 100:.0f}" for kind in KINDS),
            f"{self.others_share * 100:.0f}",
            f"{self.idle_share * 100:.0f}",
            *(f"{self.cpu_ms_per_check(kinds):.2f}" for kinds in (("web server", "Celery worker"), ("PostgreSQL",))),
            str(self.connections),
            self.broken_by(seconds) or "ok",
        )


def machine_ticks() -> tuple[int, int]:
    """(busy, idle) clock ticks of all cores so far (/proc/stat): the machine's whole load, ours and others'."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields[:8]) - idle, idle


def _cpu_share(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]], wall: float
) -> dict[str, float]:
    cores = os.cpu_count() or 1
    totals = dict.fromkeys(KINDS, 0.0)
    for pid, (kind, seconds) in after.items():
        totals[kind] += max(seconds - before.get(pid, (kind, 0.0))[1], 0.0)
    return {kind: cpu / (cores * wall) for kind, cpu in totals.items()}


def run_step(
    *,
    port: int,
    fleet: Fleet,
    chains: int,
    rate: int,
    seconds: float,
    sessions: dict[int, str],
    rng: random.Random,
) -> Step:
    from django.utils import timezone

    schemas = fleet.schemas[:chains]
    requests = signed_checks(fleet, chains=chains, count=int(rate * seconds), prefix=f"c{chains}-r{rate}", rng=rng)
    started_at = timezone.now()
    before, ticks_before = _process_cpu(sessions), machine_ticks()
    load = paced_load(port=port, requests=requests, rate=rate)
    cpu = _cpu_share(before, _process_cpu(sessions), load.seconds)
    busy, idle = (now - then for now, then in zip(machine_ticks(), ticks_before, strict=True))
    busy_share = busy / (busy + idle) if busy + idle else 0.0
    sent_until = time.monotonic()
    connections = server_connections()
    acknowledged = load.statuses.get(202, 0)
    deadline = sent_until + max(30.0, 3 * seconds)
    while pending_receipts(schemas) and time.monotonic() < deadline:
        time.sleep(0.5)
    processed, last_processed = processed_since(schemas, started_at)
    dropped = drop_pending(schemas) if processed < acknowledged else 0
    window = (last_processed - started_at).total_seconds() if last_processed else load.seconds
    return Step(
        chains=chains,
        rate=rate,
        acknowledged=acknowledged,
        ack_per_s=acknowledged / load.seconds,
        processed_per_s=processed / max(window, load.seconds),
        drain_lag_s=max(window - load.seconds, 0.0) if not dropped else time.monotonic() - sent_until,
        ack_p50_ms=percentile(load.latencies_ms, 0.5),
        ack_p99_ms=percentile(load.latencies_ms, 0.99),
        cpu_share=cpu,
        others_share=max(busy_share - sum(cpu.values()), 0.0),
        idle_share=1 - busy_share,
        connections=connections,
        other_statuses={status: count for status, count in load.statuses.items() if status != 202},
        errors=load.errors,
        backlog_dropped=dropped,
    )


# --- the run -----------------------------------------------------------------------------------------------------


def _ladder(
    *, port: int, fleet: Fleet, chains: int, scale: Scale, sessions: dict[int, str], rng: random.Random
) -> list[Step]:
    """Every rate in turn until the stack saturates (that step included): past the acknowledgement's p99 target
    too, so that a run on a shared host still finds the throughput bound."""
    steps = []
    for rate in scale.rates:
        step = run_step(
            port=port, fleet=fleet, chains=chains, rate=rate, seconds=scale.seconds, sessions=sessions, rng=rng
        )
        steps.append(step)
        print(f"  {chains} chains, {rate}/s: " + " | ".join(step.row(scale.seconds)[2:]), flush=True)
        if step.saturated(scale.seconds):
            break
    return steps


def trivial_rps(port: int, host: str, seconds: float) -> float:
    """The framework's ceiling in this run, at this moment (bench.webhook's baseline): the trivial JSON view, 16
    senders in a closed loop."""
    from bench.http_load import run_load

    result = run_load(
        port=port,
        make_request=lambda s, n: ("GET", "/bench/trivial", {"Host": host}, None),
        concurrency=16,
        seconds=seconds,
    )
    return result.per_second


def _warm(port: int, fleet: Fleet, chains: int, rng: random.Random) -> None:
    """A check to each chain at a modest rate: routing, connection and catalog caches warm, as in steady state."""
    requests = signed_checks(fleet, chains=chains, count=max(chains, 200), prefix=f"warm{chains}", rng=rng)
    paced_load(port=port, requests=requests, rate=200)
    deadline = time.monotonic() + 120
    while pending_receipts(fleet.schemas[:chains]) and time.monotonic() < deadline:
        time.sleep(0.5)
    drop_pending(fleet.schemas[:chains])


def run(requested_scale: str | None = None) -> list[dict[str, Any]]:
    setup_django()
    from django.db import connection

    scale = configured_scale(requested_scale)
    workers = int(os.environ.get("BENCH_GUNICORN_WORKERS", "2"))
    threads = int(os.environ.get("BENCH_GUNICORN_THREADS", "8"))
    celery_concurrency = int(os.environ.get("BENCH_CELERY_CONCURRENCY", "1"))
    rng = random.Random(24)
    tag = f"benchcap{os.getpid()}"
    queue = f"pos-{tag}"
    port = free_port()
    sessions: dict[int, str] = {}
    steps: list[Step] = []
    catalogs: dict[int, tuple[Catalog, float | None, float]] = {}
    trivial: dict[int, float] = {}
    began = time.monotonic()
    with capacity_fleet(scale.guests) as fleet:
        env = process_env(database_name=connection.settings_dict["NAME"], queue=queue, cache_prefix=tag)
        env["ROOT_URLCONF"] = "bench.urls"
        command = gunicorn_command(port=port, workers=workers, threads=threads)
        try:
            with running(command, env=env, log=OUT / "capacity-gunicorn.log") as server:
                sessions[server.pid] = "web server"
                wait_until_serving(f"http://127.0.0.1:{port}", fleet.hosts[0])
                for chains in scale.chains:
                    grown_in = fleet.grow(chains)
                    connection.set_schema_to_public()
                    worker_command = celery_worker_command(
                        queue=queue, concurrency=celery_concurrency, name=f"{tag}-{chains}"
                    )
                    with running(worker_command, env=env, log=OUT / f"capacity-celery-{chains}.log") as worker:
                        sessions[worker.pid] = "Celery worker"
                        _warm(port, fleet, chains, rng)
                        trivial[chains] = trivial_rps(port, fleet.hosts[0], min(5.0, scale.seconds))
                        steps += _ladder(port=port, fleet=fleet, chains=chains, scale=scale, sessions=sessions, rng=rng)
                        catalogs[chains] = (catalog(fleet.template.schema_name), postgres_private_mb(), grown_in)
                    # A broken step may leave drain tasks and their flags behind: none may slow the next count.
                    purge_queue(queue)
                    delete_redis_keys(tag)
                    drop_pending(fleet.schemas[:chains])
        finally:
            purge_queue(queue)
            delete_redis_keys(tag)
    return _report(scale, steps, catalogs, trivial, (workers, threads, celery_concurrency), time.monotonic() - began)


def _report(
    scale: Scale,
    steps: list[Step],
    catalogs: dict[int, tuple[Catalog, float | None, float]],
    trivial: dict[int, float],
    stack: tuple[int, int, int],
    took: float,
) -> list[dict[str, Any]]:
    workers, threads, celery_concurrency = stack
    print_table(
        f"Capacity ({scale.name}: {scale.guests} guests per chain, {scale.seconds:.0f} s per step, open loop with "
        f"{SENDERS} senders, gunicorn {workers} gthread workers × {threads} threads, Celery prefork "
        f"{celery_concurrency}, POS_DRAIN_LINGER_SECONDS={os.environ.get('POS_DRAIN_LINGER_SECONDS', 'default')}, "
        f"{os.cpu_count()} cores; CPU in % of the machine; {took:.0f} s in all)",
        [step.row(scale.seconds) for step in steps],
        header=(
            "chains", "offered", "acked", "processed", "ack p50 / p99 ms", "drain lag s",
            *("web", "Celery", "PostgreSQL", "load gen"), "others", "idle", "app ms/check", "PG ms/check", "conns",
            "verdict",
        ),
    )  # fmt: skip
    met: dict[int, int] = {}  # highest rate with every target met
    taken: dict[int, int] = {}  # highest rate taken whole (acknowledged and processed), p99 aside
    for step in steps:
        if not step.saturated(scale.seconds):
            taken[step.chains] = max(taken.get(step.chains, 0), step.rate)
            if not step.ack_broken():
                met[step.chains] = max(met.get(step.chains, 0), step.rate)
    rows = []
    for chains, (found, private_mb, grown_in) in catalogs.items():
        rows.append(
            (
                f"{chains:,}",
                f"{met.get(chains, 0):,}/s",
                f"{taken.get(chains, 0):,}/s",
                f"{trivial.get(chains, 0):,.0f}/s",
                f"{taken.get(chains, 0) / trivial[chains]:.2f}" if trivial.get(chains) else "n/a",
                f"{found.relations_per_chain}",
                f"{found.pg_class_rows:,}",
                f"{found.catalog_mb:,.0f} MB",
                f"{found.database_mb:,.0f} MB",
                "n/a" if private_mb is None else f"{private_mb:,.0f} MB",
                f"{grown_in:.0f} s",
            )
        )
    print_table(
        f"Capacity per chain count ({scale.guests} active guests per chain)",
        rows,
        header=(
            "chains", "all targets met up to", "taken whole up to", "trivial view", "taken / trivial",
            "relations per chain", "pg_class rows", "catalogs", "database", "PostgreSQL private memory",
            "copies made in",
        ),
    )  # fmt: skip
    results = []
    for chains in catalogs:
        results.append(
            entry(
                f"capacity_checks_per_s_{chains}_chains",
                float(taken.get(chains, 0)),
                "checks/s",
                baseline="django_trivial_rps",
                baseline_value=trivial.get(chains, 0.0),
                scale=scale.name,
            )
        )
        results.append(
            entry(
                f"capacity_checks_per_s_targets_met_{chains}_chains",
                float(met.get(chains, 0)),
                "checks/s",
                baseline="django_trivial_rps",
                baseline_value=trivial.get(chains, 0.0),
                scale=scale.name,
            )
        )
    append_results(results)
    return results


if __name__ == "__main__":
    run()
