"""Where a webhook check's CPU goes, stage by stage, beside a trivial request's: a diagnostic for bench.webhook.

`python -m bench.webhook_stages` (or `make bench-stages`) starts the stack of bench.webhook (gunicorn, a Celery
worker, 16 senders on loopback) and measures four phases of BENCH_STAGE_SECONDS each (default 10):
- trivial: the trivial JSON view;
- combined: signed webhooks with the worker running, until every one is processed (what bench.webhook times);
- intake: signed webhooks with no worker (the acknowledgement alone; the receipts wait);
- drain: a worker started afterwards works off that backlog, timed from its first processed receipt to its last.
For each: items per second, milliseconds of CPU per item of the web server, the Celery worker, PostgreSQL (all of
its processes), and the load generator (this process), the CPU left idle on the machine's cores, and the
write-ahead log records and bytes per item (pg_stat_wal). The per-stage figures in the README come from here.
Nothing goes to results.json: the ratios that count are bench.webhook's.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.results import print_table, setup_django
from bench.webhook import CONCURRENCY, pending_receipts, webhook_stack

KINDS = ("web server", "Celery worker", "PostgreSQL", "load generator")


@dataclass(frozen=True)
class Reading:
    """At one moment: each watched process's CPU seconds so far, by pid with its kind; WAL counters; the clock."""

    cpu: dict[int, tuple[str, float]]
    wal_records: int
    wal_bytes: int
    at: float

    def cpu_since(self, earlier: Reading) -> dict[str, float]:
        """CPU seconds by kind between the two readings. A process counts from the earlier reading, or from its
        start when it began in between (a backend that exits in between takes its share with it)."""
        totals = dict.fromkeys(KINDS, 0.0)
        for pid, (kind, seconds) in self.cpu.items():
            start = earlier.cpu.get(pid, (kind, 0.0))[1]
            totals[kind] += max(seconds - start, 0.0)
        return totals


@dataclass(frozen=True)
class Stage:
    name: str
    items: int
    before: Reading
    after: Reading

    def row(self, cores: int) -> tuple[str, ...]:
        seconds = self.after.at - self.before.at
        per_item = {kind: cpu * 1000 / self.items for kind, cpu in self.after.cpu_since(self.before).items()}
        idle = max(cores * seconds * 1000 / self.items - sum(per_item.values()), 0.0)
        return (
            self.name,
            f"{self.items / seconds:,.0f}/s",
            *(f"{per_item[kind]:.2f}" for kind in KINDS),
            f"{sum(per_item.values()):.2f}",
            f"{idle:.2f}",
            f"{(self.after.wal_records - self.before.wal_records) / self.items:.1f}",
            f"{(self.after.wal_bytes - self.before.wal_bytes) / self.items:,.0f}",
        )


def _process_cpu(sessions: dict[int, str]) -> dict[int, tuple[str, float]]:
    """CPU seconds so far of the processes in `sessions` (by session id: gunicorn's and Celery's process trees), of
    every PostgreSQL process, and of this process (the load generator), by pid."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or entry.name == str(os.getpid()):
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        command, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        kind = sessions.get(int(fields[3])) or ("PostgreSQL" if command == "postgres" else None)
        if kind is not None:
            found[int(entry.name)] = (kind, (int(fields[11]) + int(fields[12])) / tick)  # utime + stime
    own = os.times()
    found[os.getpid()] = ("load generator", own.user + own.system)
    return found


def _reading(sessions: dict[int, str]) -> Reading:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT wal_records, wal_bytes FROM pg_stat_wal")
        records, wal_bytes = cursor.fetchone()
    return Reading(cpu=_process_cpu(sessions), wal_records=int(records), wal_bytes=int(wal_bytes), at=time.monotonic())


def _wait_until(done: Callable[[], bool], *, what: str, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(0.05)


def run(requested_scale: str | None = None) -> list[dict[str, Any]]:
    setup_django()
    from bench.http_load import run_load

    seconds = float(os.environ.get("BENCH_STAGE_SECONDS", "10"))
    workers = int(os.environ.get("BENCH_GUNICORN_WORKERS", "2"))
    threads = int(os.environ.get("BENCH_GUNICORN_THREADS", "8"))
    per_sender = int(seconds * 1500 / CONCURRENCY)
    sessions: dict[int, str] = {}  # session id of each started process tree: its kind
    stages = []
    with webhook_stack(f"benchst{os.getpid()}", guests=2000, seed=11) as stack:
        schema = stack.chain.schema_name

        def measure(name: str, load: Callable[[], int]) -> None:
            before = _reading(sessions)
            items = load()
            stages.append(Stage(name, items, before, _reading(sessions)))

        def webhooks_then(prefix: str, wait: bool) -> Callable[[], int]:
            requests = stack.prepared_webhooks(prefix, per_sender=per_sender)

            def load() -> int:
                result = run_load(port=stack.port, make_request=requests, concurrency=CONCURRENCY, seconds=seconds)
                if wait:
                    _wait_until(lambda: pending_receipts(schema) == 0, what="the receipts to be processed")
                return result.statuses.get(202, 0)

            return load

        def trivial_load() -> int:
            requests = stack.trivial_request
            return run_load(port=stack.port, make_request=requests, concurrency=CONCURRENCY, seconds=seconds).requests

        with stack.gunicorn(workers=workers, threads=threads, log="stages-gunicorn.log") as server:
            sessions[server.pid] = "web server"
            stack.wait_until_serving()
            with stack.celery(name="combined", log="stages-celery-combined.log") as worker:
                sessions[worker.pid] = "Celery worker"
                run_load(
                    port=stack.port, make_request=lambda s, n: stack.signed_webhook("W", s, n), concurrency=4, seconds=1
                )
                run_load(port=stack.port, make_request=stack.trivial_request, concurrency=4, seconds=1)
                _wait_until(lambda: pending_receipts(schema) == 0, what="the warm-up receipts to be processed")
                measure("trivial view", trivial_load)
                measure("webhook, combined", webhooks_then("C", wait=True))
            measure("webhook, intake alone", webhooks_then("I", wait=False))
            backlog = pending_receipts(schema)
            with stack.celery(name="drain", log="stages-celery-drain.log") as worker:
                sessions[worker.pid] = "Celery worker"
                # Timed from the first receipt the new worker processes: its start-up is not the drain's cost.
                _wait_until(lambda: pending_receipts(schema) < backlog, what="the drain to start")
                left = pending_receipts(schema)

                def drain() -> int:
                    _wait_until(lambda: pending_receipts(schema) == 0, what="the backlog to be drained")
                    return left

                measure("webhook, drain alone", drain)

    cores = os.cpu_count() or 1
    print_table(
        f"Where a check's CPU goes ({seconds:.0f} s per phase, {CONCURRENCY} senders, gunicorn {workers} gthread "
        f"workers × {threads} threads, Celery prefork 1, {cores} cores); CPU in ms per item",
        [stage.row(cores) for stage in stages],
        header=("phase", "rate", "web", "Celery", "PostgreSQL", "load gen", "total", "idle", "WAL rec", "WAL bytes"),
    )
    return []


if __name__ == "__main__":
    run()
