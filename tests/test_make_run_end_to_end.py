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
    finally:
        os.killpg(devserver.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends to the whole group
        devserver.wait(timeout=90)

    assert page.status_code == 200
    assert f"http://demo.localhost:{port}/" in printed  # the links follow the port it serves on
    assert "Stopped the embedded PostgreSQL." in output.read_text()
    assert not (data_dir / "postmaster.pid").exists()
    left = [process for process in started if _still_running(process)]
    assert left == [], [(process.pid, process.cmdline()) for process in left]


def _still_running(process: psutil.Process) -> bool:
    """Alive and not a zombie; is_running() compares creation times, so a reused pid is not taken for it."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
