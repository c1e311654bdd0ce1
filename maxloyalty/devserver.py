"""`make run` after the install: database, migrations, demo data, then the site through gunicorn (gthread,
auto-reload) beside a Celery worker with beat (on Redis, or on PostgreSQL when Redis is unreachable).

The web server is the production one with a bounded pool: WEB_CONCURRENCY processes × GUNICORN_THREADS threads,
each thread holding at most one database connection, so a burst of POS checks cannot open connections without
limit (Django's development server starts a thread, and so a connection, per concurrent request). With
DATABASE_URL unset the embedded PostgreSQL is started here once and its URL handed to every child process.
Ctrl-C stops the children, and the embedded PostgreSQL too when this run started it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil

from maxloyalty.embedded_postgres import (
    CONNECTIONS_NEEDED,
    EmbeddedServer,
    start_embedded_server,
    stop_embedded_server,
)
from maxloyalty.redis_probe import redis_is_reachable

BASE_DIR = Path(__file__).resolve().parent.parent
DEV_WEB_PROCESSES = "2"
DEV_WEB_THREADS = "4"


def _worker_command() -> list[str]:
    """One light worker for every workload's queue, POS first (production runs a worker per workload: README)."""
    from django.conf import settings

    schedule = os.path.join(".data", "celerybeat-schedule")
    celery = [sys.executable, "-m", "celery", "-A", "maxloyalty", "worker", "--queues", ",".join(settings.TASK_QUEUES)]
    return [*celery, "--beat", "--loglevel", "WARNING", "--concurrency", "2", "--schedule", schedule]


def _web_command(port: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:maxloyalty.gunicorn_config",
        "--reload",
        "--bind",
        f"0.0.0.0:{port}",
        "--workers",
        os.environ.get("WEB_CONCURRENCY", DEV_WEB_PROCESSES),
        "--threads",
        os.environ.get("GUNICORN_THREADS", DEV_WEB_THREADS),
        "--access-logfile",
        "-",
        "maxloyalty.wsgi:application",
    ]


def _descendants(processes: list[subprocess.Popen[bytes]]) -> list[psutil.Process]:
    """Every process below the children (gunicorn's workers, Celery's pool and beat), found while they still run."""
    found: list[psutil.Process] = []
    for process in processes:
        try:
            found.extend(psutil.Process(process.pid).children(recursive=True))
        except psutil.NoSuchProcess:
            continue
    return found


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Stop the children gracefully, then make sure nothing they started outlives this run.

    A parent that exits before its own children (or is killed after the grace period) would leave them running,
    so the whole family is noted first and whatever is still there after the parents are gone is waited for, then
    killed.
    """
    family = _descendants(processes)
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    _, alive = psutil.wait_procs(family, timeout=10)
    for leftover in alive:
        try:
            leftover.kill()
        except psutil.NoSuchProcess:
            continue
    psutil.wait_procs(alive, timeout=5)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maxloyalty.settings.dev")
    port = os.environ.get("PORT", "8000")
    os.environ.setdefault("SITE_PORT", port)  # links the site builds and prints point where it is served
    embedded = None
    if not os.environ.get("DATABASE_URL"):
        data_dir = os.environ.get("EMBEDDED_POSTGRES_DIR", str(BASE_DIR / ".data" / "pg"))
        embedded = start_embedded_server(Path(data_dir).resolve())
        os.environ["DATABASE_URL"] = embedded.url
        if embedded.max_connections < CONNECTIONS_NEEDED:
            print(
                f"The embedded PostgreSQL allows {embedded.max_connections} connections; {CONNECTIONS_NEEDED} are "
                "needed. Raise max_connections in .data/pg/postgresql.conf and restart it.",
                file=sys.stderr,
            )
    processes: list[subprocess.Popen[bytes]] = []
    try:
        steps = [["migrate_schemas", "--noinput", "-v", "0"], ["seed_demo"]]
        if not redis_is_reachable(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")):
            steps.insert(1, ["create_fallback_cache_table"])  # the cache and the queue live in PostgreSQL then
        for step in steps:
            subprocess.run([sys.executable, "manage.py", *step], check=True)  # noqa: S603  fixed argv
        processes.append(subprocess.Popen(_worker_command()))  # noqa: S603  fixed argv, no user input
        web = subprocess.Popen(_web_command(port))  # noqa: S603  fixed argv, no user input
        processes.append(web)
        print(f"Serving on http://localhost:{port}/ (Ctrl-C stops it).", file=sys.stderr)
        web.wait()
    except KeyboardInterrupt:
        pass
    except subprocess.CalledProcessError as error:
        print(f"make run stopped: {' '.join(error.cmd[1:])} failed.", file=sys.stderr)
    finally:
        _stop(processes)
        _stop_database(embedded)


def _stop_database(embedded: EmbeddedServer | None) -> None:
    if embedded is None:
        return
    if embedded.started_here:
        stop_embedded_server(embedded.data_dir)
        print("Stopped the embedded PostgreSQL.", file=sys.stderr)
    else:
        print(
            f"The embedded PostgreSQL under {embedded.data_dir} was running before this run and keeps running; "
            "stop it with: make stop-db",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
