"""`make run`'s last step on a machine without DATABASE_URL (maxloyalty.devserver): it starts an embedded
PostgreSQL of its own, migrates, seeds the demo chain, serves it through gunicorn with a Celery worker and beat,
and Ctrl-C stops everything it started, the embedded PostgreSQL included."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.process_harness import ROOT, free_port

pytestmark = pytest.mark.processes


def _wait_for(output: Path, text: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in output.read_text(errors="replace"):
            return
        if process.poll() is not None:
            break
        time.sleep(0.5)
    raise AssertionError(f"{text!r} did not appear:\n{output.read_text(errors='replace')[-3000:]}")


def test_make_run_serves_the_demo_on_its_own_database_and_ctrl_c_stops_it_all(cluster_home):
    tmp_path = cluster_home
    port = free_port()
    data_dir = tmp_path / "pg"
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        PORT=str(port),
        EMBEDDED_POSTGRES_DIR=str(data_dir),
        XDG_RUNTIME_DIR=str(tmp_path / "runtime"),
        DEMO_GUESTS="10",
        PYTHONUNBUFFERED="1",
    )
    (tmp_path / "runtime").mkdir(mode=0o700)
    output = tmp_path / "make-run.log"
    with output.open("wb") as log:
        devserver = subprocess.Popen(
            [sys.executable, "-m", "maxloyalty.devserver"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for(output, "Serving on", devserver, seconds=420)
        deadline = time.monotonic() + 60
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/accounts/login/", headers={"Host": f"demo.localhost:{port}"})
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, output.read_text()[-2000:]
                time.sleep(0.5)
        printed = output.read_text()
        started = psutil.Process(devserver.pid).children(recursive=True)
        partitioned = _partitioned_tables_of_the_demo(data_dir)
    finally:
        os.killpg(devserver.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends to the whole group
        devserver.wait(timeout=90)

    assert page.status_code == 200
    # The embedded server (PostgreSQL 16 of pgserver) runs the partitioning migrations and the demo's history has
    # month partitions of its own: nothing waits in a default partition.
    assert partitioned["version"] >= 160000
    assert partitioned["tables"] == 6 and partitioned["months"] >= 6 * 4, partitioned
    assert partitioned["rows_in_default"] == 0 and partitioned["ledger_months_with_rows"] >= 4, partitioned
    assert f"http://demo.localhost:{port}/" in printed  # the links follow the port it serves on
    assert "Stopped the embedded PostgreSQL." in output.read_text()
    assert not (data_dir / "postmaster.pid").exists()
    left = [process for process in started if _still_running(process)]
    assert left == [], [(process.pid, process.cmdline()) for process in left]


def _partitioned_tables_of_the_demo(data_dir: Path) -> dict[str, int]:
    """What the embedded server holds in the demo chain's schema: its partitioned tables and their months."""
    import psycopg

    with psycopg.connect(dbname="maxloyalty", user="postgres", host=str(data_dir)) as database:
        figures = {"version": int(database.execute("SHOW server_version_num").fetchone()[0])}
        schema = database.execute("SELECT schema_name FROM tenants_chain WHERE slug = 'demo'").fetchone()[0]
        database.execute(f'SET search_path TO "{schema}"')
        figures["tables"] = database.execute(
            "SELECT count(*) FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relnamespace = %s::regnamespace",
            [schema],
        ).fetchone()[0]
        figures["months"] = database.execute(
            "SELECT count(*) FROM pg_class WHERE relnamespace = %s::regnamespace AND relispartition "
            "AND relkind = 'r' AND relname ~ '_p[0-9]{6}$'",
            [schema],
        ).fetchone()[0]
        figures["rows_in_default"] = sum(
            database.execute(f"SELECT count(*) FROM ONLY {table}_default").fetchone()[0]  # noqa: S608
            for table in ("loyalty_ledgerentry", "guests_visit", "pos_receipt", "audit_auditentry")
        )
        figures["ledger_months_with_rows"] = database.execute(
            "SELECT count(DISTINCT tableoid) FROM loyalty_ledgerentry"
        ).fetchone()[0]
    return figures


def _still_running(process: psutil.Process) -> bool:
    """Alive and not a zombie; is_running() compares creation times, so a reused pid is not taken for it."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
