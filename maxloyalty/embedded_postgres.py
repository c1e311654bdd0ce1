"""An embedded PostgreSQL cluster under .data/ (the pgserver package) for machines without DATABASE_URL.

`make run` resolves the cluster once (maxloyalty.devserver) and hands its URL to the processes it starts in
DATABASE_URL, so gunicorn's workers, the Celery worker and beat never start or register with the cluster
themselves. A process started by hand still may: pgserver serialises that with an inter-process lock, and a
bookkeeping file left half-written by an interrupted start is repaired here instead of failing every later start.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

DATABASE_NAME = "maxloyalty"
HANDLE_LIST_NAME = ".handle_pids.json"  # pgserver's record of the processes using the cluster
# gunicorn's workers × threads, the Celery worker's pool and beat, the management commands and a psql session
# with room to spare; initdb's default of 100 is enough today, this says what must stay true.
CONNECTIONS_NEEDED = 60
SERVER_USER_WHEN_ROOT = "pgserver"


@dataclass(frozen=True)
class EmbeddedServer:
    url: str
    data_dir: Path
    started_here: bool  # False when a server from an earlier run was already serving this cluster
    max_connections: int


def _prepare_runtime(data_dir: Path) -> None:
    runtime_dir = data_dir.parent / "runtime"  # platformdirs (used by pgserver) wants a private runtime folder
    runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
    data_dir.mkdir(parents=True, exist_ok=True)


def repair_handle_list(data_dir: Path) -> bool:
    """Rewrite pgserver's process list if an interrupted write left it unreadable, dropping processes that are gone.

    Returns True when the file was changed. Called under pgserver's own lock, so no other start reads it meanwhile.
    """
    import psutil

    path = data_dir / HANDLE_LIST_NAME
    if not path.exists():
        return False
    try:
        loaded = json.loads(path.read_text() or "null")
    except (ValueError, OSError):
        loaded = None
    pids = loaded if isinstance(loaded, list) and all(isinstance(pid, int) for pid in loaded) else None
    alive = [pid for pid in pids if psutil.pid_exists(pid)] if pids is not None else []
    if pids is not None and alive == pids:
        return False
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(alive))
    temporary.replace(path)  # atomic: a reader sees the old list or the new one, never an empty file
    return True


def _server_is_running(data_dir: Path) -> bool:
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data_dir)
    return info is not None and info.is_running()


def start_embedded_server(data_dir: Path) -> EmbeddedServer:
    """Start (or reuse) the private cluster in ``data_dir`` and make sure its ``maxloyalty`` database exists."""
    _prepare_runtime(data_dir)
    from pgserver.postgres_server import PostgresServer, get_server  # lazily: only machines without DATABASE_URL

    with PostgresServer._lock:  # the lock pgserver takes around its own start and its bookkeeping
        repair_handle_list(data_dir)
        was_running = _server_is_running(data_dir)
    server = get_server(str(data_dir), cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608  a constant
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    shown = server.psql("SHOW max_connections;").split()
    max_connections = next((int(word) for word in shown if word.isdigit()), 0)
    return EmbeddedServer(
        url=f"postgres://postgres@/{DATABASE_NAME}?host={data_dir}",
        data_dir=data_dir,
        started_here=not was_running,
        max_connections=max_connections,
    )


def embedded_database_url(data_dir: Path) -> str:
    """The URL of the embedded cluster's database, starting the cluster when it is not running."""
    return start_embedded_server(data_dir).url


def stop_embedded_server(data_dir: Path) -> None:
    """Stop the cluster quickly (open sessions are ended), as the user pgserver runs it as."""
    from pgserver._commands import pg_ctl  # type: ignore[attr-defined]  # made at import, one per PostgreSQL program

    if not _server_is_running(data_dir):
        return
    owner = SERVER_USER_WHEN_ROOT if os.geteuid() == 0 else None  # pgserver runs the cluster as this user under root
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=owner)
