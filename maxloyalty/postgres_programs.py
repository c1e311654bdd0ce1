"""PostgreSQL's own programs (pg_dump, pg_restore, pgbench; initdb, pg_ctl, pg_basebackup) and the options that point
them where Django connects: the chain export/import (tenants.chain_transfer), the benchmarks and the tests' private
clusters (a primary and its streaming replica) run them."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path


def postgres_program(name: str, *, major: int | None = None) -> str:
    """A PostgreSQL client program (pgbench, pg_dump): the machine's packages' (newest first), the embedded server's
    own (pgserver), or the one on PATH; with `major`, only one that prints that major version (pg_dump refuses an
    older server and may write what an older one cannot read)."""
    for candidate in _candidates(name):
        if not candidate.exists():
            continue
        if major is None:
            return str(candidate)
        version_argv = [str(candidate), "--version"]  # a program found in the PostgreSQL packages, no user input
        printed = subprocess.run(version_argv, capture_output=True, text=True, check=True).stdout  # noqa: S603
        if re.search(rf"\) {major}\.", printed):
            return str(candidate)
    version = f" of PostgreSQL {major}" if major else ""
    raise RuntimeError(f"no {name}{version} here: it comes with the PostgreSQL packages")


def as_cluster_owner(argv: list[str], owner: str = "postgres") -> list[str]:
    """`argv` run as the cluster's owner when this process is root: initdb, pg_ctl and postgres refuse root."""
    if os.geteuid() != 0:
        return argv
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("running PostgreSQL's server programs as root needs runuser (util-linux)")
    return [runuser, "-u", owner, "--", *argv]


def _candidates(name: str) -> Iterator[Path]:
    """Where `name` may be, in order of preference."""
    versioned = [path for path in Path("/usr/lib/postgresql").glob(f"*/bin/{name}") if path.parts[-3].isdigit()]
    yield from sorted(versioned, key=lambda path: int(path.parts[-3]), reverse=True)
    embedded = importlib.util.find_spec("pgserver")  # found, not imported: its import warns without XDG_RUNTIME_DIR
    if embedded is not None and embedded.origin:
        yield Path(embedded.origin).parent / "pginstall" / "bin" / name
    if found := shutil.which(name):
        yield Path(found)


def postgres_connection_args() -> tuple[list[str], dict[str, str]]:
    """The default database's host (a socket directory for the embedded server, which the URL names in its
    options), port and user as a PostgreSQL program's options, and its environment (the password); the database's
    name goes last on the command line."""
    from django.db import connection

    params = connection.get_connection_params()  # what psycopg connects with: HOST and PORT merged with OPTIONS
    options = ["--host", str(params.get("host") or "127.0.0.1"), "--username", str(params.get("user") or "postgres")]
    if params.get("port"):
        options += ["--port", str(params["port"])]
    return options, {**os.environ, "PGPASSWORD": str(params.get("password") or "")}
