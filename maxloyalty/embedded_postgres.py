"""An embedded PostgreSQL cluster under .data/ (the pgserver package) for machines without DATABASE_URL."""

from __future__ import annotations

import os
from pathlib import Path

DATABASE_NAME = "maxloyalty"


def embedded_database_url(data_dir: Path) -> str:
    """Start (or reuse) the private cluster in ``data_dir`` and return a URL to its ``maxloyalty`` database."""
    runtime_dir = data_dir.parent / "runtime"  # platformdirs (used by pgserver) wants a private runtime folder
    runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
    import pgserver  # imported lazily: only machines without DATABASE_URL need it

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(data_dir), cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608  a constant
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return f"postgres://postgres@/{DATABASE_NAME}?host={data_dir}"
