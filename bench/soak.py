"""Soak: the production stack (gunicorn gthread, a Celery worker, beat) takes signed checks at half the throughput
the webhook benchmark measured in this run, for 10 minutes (BENCH_SOAK_SECONDS; 60 s at small scale). Each minute
it samples the resident memory of every process, the open database connections and Redis's memory; nothing may
grow without bound, and the worker's two processes draining in parallel must never deadlock. Results:
soak_rss_growth_mb (against the stack's memory after the first minute) and soak_connections_max (against the
connections the configuration allows).
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

import psutil

from bench.results import RESULTS, append_results, entry, print_table, scale_name, setup_django
from bench.webhook import OUT, webhook_stack
from tests.process_harness import BIN, running

SAMPLE_EVERY_SECONDS = 60.0
WORKERS, THREADS, CELERY_CONCURRENCY = 2, 8, 2


def _measured_rate() -> float | None:
    try:
        results = json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        return None
    rates = [item["value"] for item in results if item["name"] == "webhook_checks_per_s"]
    return rates[0] if rates else None


def _stack_rss_mb(processes: list[psutil.Process]) -> float:
    total = 0
    for parent in processes:
        for process in [parent, *parent.children(recursive=True)]:
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
    return total / 2**20


def _database_connections(database: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database]
        )
        return int(cursor.fetchone()[0])


def _redis_memory_mb() -> float:
    from django_redis import get_redis_connection

    return int(get_redis_connection("platform").info("memory")["used_memory"]) / 2**20


def run(requested_scale: str | None = None) -> list[dict[str, Any]]:
    setup_django()
    import httpx
    from django.db import connection

    scale = scale_name(requested_scale)
    seconds = float(os.environ.get("BENCH_SOAK_SECONDS", "600" if scale == "full" else "60"))
    rate = (_measured_rate() or 200.0) * 0.5
    database = connection.settings_dict["NAME"]
    samples: list[tuple[float, float, int, float]] = []  # elapsed, RSS MB, connections, Redis MB
    statuses: dict[int, int] = {}
    with webhook_stack(f"soak{os.getpid()}", guests=1000) as stack:
        beat = [str(BIN / "celery"), "-A", "maxloyalty", "beat", "--loglevel", "WARNING"]
        beat += ["--schedule", str(OUT / f"soak-beat-{os.getpid()}")]
        with (
            stack.gunicorn(workers=WORKERS, threads=THREADS, log="soak-gunicorn.log") as web,
            stack.celery(name="soak", concurrency=CELERY_CONCURRENCY, log="soak-celery.log") as worker,
            running(beat, env=stack.env, log=OUT / "soak-beat.log") as beat_process,
        ):
            stack.wait_until_serving()
            processes = [psutil.Process(process.pid) for process in (web, worker, beat_process)]
            stop = threading.Event()
            lock = threading.Lock()

            def sender(number: int, per_second: float) -> None:
                sent = 0
                with httpx.Client(base_url=f"http://127.0.0.1:{stack.port}", timeout=30) as client:
                    next_at = time.monotonic()
                    while not stop.is_set():
                        _method, path, headers, body = stack.signed_webhook("S", number, sent)
                        status = client.post(path, content=body, headers=headers).status_code
                        with lock:
                            statuses[status] = statuses.get(status, 0) + 1
                        sent += 1
                        next_at += 1 / per_second
                        time.sleep(max(0.0, next_at - time.monotonic()))

            senders = [threading.Thread(target=sender, args=(number, rate / 8)) for number in range(8)]
            started = time.monotonic()
            for thread in senders:
                thread.start()
            every = min(SAMPLE_EVERY_SECONDS, seconds / 4)
            while (elapsed := time.monotonic() - started) < seconds - 1:
                time.sleep(min(every, seconds - elapsed))
                elapsed = time.monotonic() - started
                samples.append((elapsed, _stack_rss_mb(processes), _database_connections(database), _redis_memory_mb()))
                print(f"  {elapsed:5.0f} s: RSS {samples[-1][1]:.0f} MB, connections {samples[-1][2]}, "
                      f"Redis {samples[-1][3]:.1f} MB", flush=True)  # fmt: skip
            stop.set()
            for thread in senders:
                thread.join()
    if set(statuses) - {202}:
        raise RuntimeError(f"the soak got answers other than 202: {statuses}")
    if "deadlock detected" in (OUT / "soak-celery.log").read_text(errors="replace"):
        raise RuntimeError("two Celery processes draining in parallel deadlocked (see bench/out/soak-celery.log)")
    start_rss = samples[0][1]
    growth = samples[-1][1] - start_rss
    allowed_connections = WORKERS * THREADS + CELERY_CONCURRENCY + 1
    connections_max = max(sample[2] for sample in samples)
    results = [
        entry("soak_rss_growth_mb", growth, "MB", baseline="soak_rss_start_mb", baseline_value=start_rss, scale=scale),
        entry(
            "soak_connections_max",
            connections_max,
            "connections",
            baseline="configured_connections",
            baseline_value=allowed_connections,
            scale=scale,
        ),
    ]
    print_table(
        f"Soak ({scale}: {seconds:.0f} s at {rate:.0f} checks/s, half the webhook benchmark's rate)",
        [
            ("checks answered", f"{sum(statuses.values()):,}", f"{statuses}"),
            ("stack memory (RSS)", f"{start_rss:.0f} → {samples[-1][1]:.0f} MB", f"growth {growth:+.1f} MB"),
            ("database connections", f"max {connections_max}", f"configuration allows {allowed_connections}"),
            ("Redis memory", f"{samples[0][3]:.1f} → {samples[-1][3]:.1f} MB", ""),
        ],
        header=("measure", "value", "detail"),
    )
    append_results(results)
    return results


if __name__ == "__main__":
    run()
