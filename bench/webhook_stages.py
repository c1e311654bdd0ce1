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
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.results import OUT, print_table, setup_django

CONCURRENCY = 16
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


def run(requested_scale: str | None = None) -> list[dict[str, Any]]:
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from bench.http_load import run_load
    from bench.webhook import processed_summary
    from pos.process_harness import (
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

    seconds = float(os.environ.get("BENCH_STAGE_SECONDS", "10"))
    workers = int(os.environ.get("BENCH_GUNICORN_WORKERS", "2"))
    threads = int(os.environ.get("BENCH_GUNICORN_THREADS", "8"))
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    tag = f"benchst{os.getpid()}"
    queue = f"pos-stages-{os.getpid()}"
    chain = create_webhook_chain(slug=tag, guests=2000)
    env = process_env(database_name=connection.settings_dict["NAME"], queue=queue, cache_prefix=tag)
    env["ROOT_URLCONF"] = "bench.urls"
    port = free_port()
    host_header = {"Host": chain.host}
    rng = random.Random(11)
    sessions: dict[int, str] = {}

    @contextmanager
    def worker(name: str) -> Iterator[None]:
        command = celery_worker_command(queue=queue, concurrency=1, name=f"{tag}-{name}")
        with running(command, env=env, log=OUT / f"stages-celery-{name}.log") as process:
            sessions[process.pid] = "Celery worker"
            yield

    def signed_webhook(phase: str, sender: int, number: int) -> tuple[str, str, dict[str, str], bytes]:
        phone = chain.guest_phones[rng.randrange(len(chain.guest_phones))]
        body, headers = signed_request(
            chain.secret, sample_check(f"{phase}-{sender}-{number}", phone=phone, amount=1000 + 10 * (number % 50))
        )
        return "POST", f"/api/v1/pos/webhooks/{chain.connection_id}", {**headers, **host_header}, body

    def prepared_webhooks(phase: str) -> Callable[[int, int], tuple[str, str, dict[str, str], bytes]]:
        """The phase's webhooks (check ids of its own), signed before the measured window as bench.webhook does."""
        count = int(seconds * 1500 / CONCURRENCY)
        stock = [[signed_webhook(phase, sender, number) for number in range(count)] for sender in range(CONCURRENCY)]
        return lambda sender, number: stock[sender][number] if number < count else signed_webhook(phase, sender, number)

    def trivial(sender: int, number: int) -> tuple[str, str, dict[str, str], None]:
        return "GET", "/bench/trivial", host_header, None

    def wait_processed(deadline_seconds: float = 300.0) -> None:
        deadline = time.monotonic() + deadline_seconds
        while processed_summary(chain.schema_name)[1]:
            if time.monotonic() > deadline:
                raise RuntimeError("receipts were still unprocessed when the diagnostic gave up waiting")
            time.sleep(0.05)

    def processed_count() -> int:
        total, pending, _last = processed_summary(chain.schema_name)
        return total - pending

    stages = []
    try:
        with running(
            gunicorn_command(port=port, workers=workers, threads=threads), env=env, log=OUT / "stages-gunicorn.log"
        ) as server:
            sessions[server.pid] = "web server"
            wait_until_serving(f"http://127.0.0.1:{port}", chain.host)
            with worker("combined"):
                run_load(port=port, make_request=lambda s, n: signed_webhook("warm", s, n), concurrency=4, seconds=1)
                run_load(port=port, make_request=trivial, concurrency=4, seconds=1)
                wait_processed()

                before = _reading(sessions)
                load = run_load(port=port, make_request=trivial, concurrency=CONCURRENCY, seconds=seconds)
                stages.append(Stage("trivial view", load.requests, before, _reading(sessions)))

                webhooks = prepared_webhooks("combined")
                before = _reading(sessions)
                load = run_load(port=port, make_request=webhooks, concurrency=CONCURRENCY, seconds=seconds)
                wait_processed()
                stages.append(Stage("webhook, combined", load.statuses.get(202, 0), before, _reading(sessions)))

            webhooks = prepared_webhooks("intake")
            before = _reading(sessions)
            load = run_load(port=port, make_request=webhooks, concurrency=CONCURRENCY, seconds=seconds)
            stages.append(Stage("webhook, intake alone", load.statuses.get(202, 0), before, _reading(sessions)))

            backlog_from = processed_count()
            with worker("drain"):
                while processed_count() == backlog_from:  # the worker's start-up is not the drain's cost
                    time.sleep(0.05)
                first = processed_count()
                before = _reading(sessions)
                wait_processed()
                stages.append(Stage("webhook, drain alone", processed_count() - first, before, _reading(sessions)))
    finally:
        connection.set_schema_to_public()
        drop_chain(chain)
        delete_redis_keys(tag)
        purge_queue(queue)

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
