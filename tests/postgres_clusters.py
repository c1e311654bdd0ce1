"""Private PostgreSQL servers for tests, made with the machine's own programs (maxloyalty.postgres_programs) of one
major version: a primary (initdb) and its streaming replica (pg_basebackup -R), each on its own port, with its data
and its unix socket under one short temporary folder that `stopped_and_removed` deletes."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from maxloyalty.postgres_programs import as_cluster_owner, postgres_program
from tests.process_harness import free_port

OWNER = "postgres"  # the operating-system user the servers run as under root (they refuse root)
# Durability is not what these servers are for: no fsync makes initdb, the base backup and every commit fast (commits
# stay synchronous: a commit has been written, so pg_current_wal_lsn() covers it, when it returns). No autovacuum: no
# transaction the test did not write (the idle-primary case needs a primary that writes nothing).
FAST = "-c fsync=off -c full_page_writes=off -c autovacuum=off"


def _run(*argv: str) -> None:
    # the machine's PostgreSQL programs, arguments made here
    subprocess.run(as_cluster_owner(list(argv), OWNER), check=True, capture_output=True, timeout=120)


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, OWNER, OWNER)


class PrivateServer:
    """One PostgreSQL server of version `major`: data in `home/name`, listening on 127.0.0.1:`port` and on a socket
    in `home`."""

    def __init__(self, home: Path, name: str, major: int) -> None:
        self.home = home
        self.major = major
        self.data = home / name
        self.port = free_port()
        self.data.mkdir(mode=0o700)
        _own(self.data)

    def program(self, name: str) -> str:
        return postgres_program(name, major=self.major)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 {FAST}"
        log = str(self.home / f"{self.data.name}.log")
        _run(self.program("pg_ctl"), "-D", str(self.data), "-l", log, "-w", "-t", "60", "-o", options, "start")

    def stop(self) -> None:
        _run(self.program("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def connect(self, dbname: str = "postgres", **options: Any) -> psycopg.Connection[tuple[Any, ...]]:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname, **options)

    def one(self, sql: str, params: tuple[Any, ...] = (), dbname: str = "postgres") -> Any:
        """The first value of the first row of `sql` (None for a statement without rows), run in autocommit."""
        with self.connect(dbname, autocommit=True) as connection:
            cursor = connection.execute(sql, params)
            row = cursor.fetchone() if cursor.description else None
            return row[0] if row else None


def make_primary(home: Path, major: int) -> PrivateServer:
    """A new cluster (trust authentication: its initdb allows replication connections from 127.0.0.1), started;
    RuntimeError when this machine has no server programs of that major version."""
    primary = PrivateServer(home, "primary", major)
    _run(primary.program("initdb"), "-D", str(primary.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    primary.start()
    return primary


def make_standby(home: Path, primary: PrivateServer) -> PrivateServer:
    """A streaming replica of `primary`: pg_basebackup -R writes standby.signal and primary_conninfo; started."""
    standby = PrivateServer(home, "standby", primary.major)
    _run(
        standby.program("pg_basebackup"),
        *("-D", str(standby.data), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
        *("-R", "-X", "stream", "--checkpoint=fast"),
    )
    standby.start()
    return standby


def wait_until_replayed(primary: PrivateServer, standby: PrivateServer, timeout: float = 20.0) -> None:
    """Until the standby has replayed everything the primary has written so far."""
    target = primary.one("SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout
    while not standby.one("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the standby has not replayed {target} in {timeout} s")
        time.sleep(0.05)


@contextmanager
def stopped_and_removed() -> Iterator[Path]:
    """A short folder (unix socket paths are limited to about 100 characters) for servers, deleted afterwards; the
    caller stops its servers inside."""
    home = Path(tempfile.mkdtemp(prefix="ml-pg-"))
    _own(home)
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)
