"""The embedded PostgreSQL (make run without DATABASE_URL): parallel starts never race, an interrupted one never
leaves the cluster unusable, and stopping it works."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from maxloyalty.embedded_postgres import HANDLE_LIST_NAME, repair_handle_list

ROOT = Path(__file__).resolve().parent.parent


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_an_emptied_process_list_is_rewritten_as_an_empty_list(tmp_path):
    (tmp_path / HANDLE_LIST_NAME).write_text("")  # what a start killed between truncate and write leaves

    assert repair_handle_list(tmp_path) is True
    assert json.loads((tmp_path / HANDLE_LIST_NAME).read_text()) == []


def test_processes_that_are_gone_are_dropped_and_live_ones_kept(tmp_path):
    (tmp_path / HANDLE_LIST_NAME).write_text(json.dumps([os.getpid(), _dead_pid()]))

    assert repair_handle_list(tmp_path) is True
    assert json.loads((tmp_path / HANDLE_LIST_NAME).read_text()) == [os.getpid()]


def test_a_sound_list_is_left_alone(tmp_path):
    (tmp_path / HANDLE_LIST_NAME).write_text(json.dumps([os.getpid()]))

    assert repair_handle_list(tmp_path) is False


START = """
import sys
from pathlib import Path
from maxloyalty.embedded_postgres import start_embedded_server
server = start_embedded_server(Path(sys.argv[1]))
import psycopg
with psycopg.connect(dbname="maxloyalty", user="postgres", host=str(server.data_dir)) as connection:
    print(connection.execute("SELECT 1").fetchone()[0], server.max_connections)
"""


@pytest.mark.processes
def test_parallel_starts_on_a_new_cluster_all_connect_and_the_cluster_stops(cluster_home):
    tmp_path = cluster_home
    data_dir = tmp_path / "pg"
    environment = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path / "runtime"), "PYTHONPATH": str(ROOT)}
    (tmp_path / "runtime").mkdir(mode=0o700)
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", START, str(data_dir)], env=environment, stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    try:
        outputs = [start.communicate(timeout=180)[0].split() for start in starts]
        assert [start.returncode for start in starts] == [0, 0, 0]
        assert all(output[0] == "1" for output in outputs)
        assert all(int(output[1]) >= 60 for output in outputs)  # CONNECTIONS_NEEDED for make run's processes
        assert isinstance(json.loads((data_dir / HANDLE_LIST_NAME).read_text()), list)
    finally:
        stop = "import sys; from pathlib import Path; from maxloyalty.embedded_postgres import stop_embedded_server;"
        subprocess.run(
            [sys.executable, "-c", stop + " stop_embedded_server(Path(sys.argv[1]))", str(data_dir)],
            env=environment,
            check=True,
            timeout=60,
        )
    assert not (data_dir / "postmaster.pid").exists()
