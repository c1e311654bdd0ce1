"""Readiness: can this process serve requests now? The database (reachable, the public schema's migrations all
applied), the cache and the Celery broker, each asked once with a short timeout on a connection of its own (never
the request thread's pooled one, which a probe must not break or hold). The database check also asks what apps
registered with `register_database_question` (tenants: every served chain has this month's and next month's
partitions).

The Redis-less development fallback (DatabaseCache and kombu's SQLAlchemy transport in PostgreSQL) is asked as what
it is: the cache through Django's cache API, the broker with a `SELECT 1` on its database.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    name: str
    is_ok: bool
    detail: str  # "ok", or what failed: an error class or a short reason, never a URL or a password
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"status": "ok" if self.is_ok else "failed", "detail": self.detail, "seconds": round(self.seconds, 3)}


@cache
def _expected_public_migrations() -> frozenset[tuple[str, str]]:
    """The leaf migration of every app, read from the code once per process."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    return frozenset(loader.graph.leaf_nodes())


@contextmanager
def database_connection(timeout: float) -> Iterator[Any]:
    """A psycopg connection of the probe's own (autocommit, `timeout` to connect and per statement), closed after."""
    import psycopg
    from django.db import connections

    params = connections["default"].get_connection_params()
    params = {
        key: value for key, value in params.items() if key not in {"cursor_factory", "context", "prepare_threshold"}
    }
    params["connect_timeout"] = max(1, round(timeout))
    with psycopg.connect(**params, autocommit=True) as connection:
        connection.execute(f"SET statement_timeout = {int(timeout * 1000)}")
        yield connection


# Questions about the database's contents that need an app's knowledge (which chains are served), asked on the
# database check's own connection after the migrations: each answers "" when ready, else a short reason.
DATABASE_QUESTIONS: dict[str, Callable[[Any], str]] = {}


def register_database_question(name: str, question: Callable[[Any], str]) -> None:
    """Add a question to the database check (an app registers it when ready, so this module imports no app);
    `question(cursor)` gets a cursor of the probe's connection."""
    DATABASE_QUESTIONS[name] = question


def check_database(timeout: float) -> str:
    with database_connection(timeout) as connection:
        applied = set(connection.execute("SELECT app, name FROM public.django_migrations").fetchall())
        missing = sorted(f"{app}.{name}" for app, name in _expected_public_migrations() - applied)
        if missing:
            return f"migrations not applied: {', '.join(missing[:5])}"
        for question in DATABASE_QUESTIONS.values():
            with connection.cursor() as cursor:
                problem = question(cursor)
            if problem:
                return problem
    return ""


def _ping_redis(url: str, timeout: float) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()


def check_cache(timeout: float) -> str:
    from django.core.cache import caches

    for alias, config in settings.CACHES.items():
        if "redis" in str(config["BACKEND"]).lower():
            _ping_redis(str(config["LOCATION"]), timeout)
        else:
            caches[alias].get("readiness-probe")  # DatabaseCache: its table answers
    return ""


def check_broker(timeout: float) -> str:
    url: str = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        _ping_redis(url, timeout)
    elif url.startswith("sqla+"):  # the development fallback: kombu's SQLAlchemy transport in PostgreSQL
        import sqlalchemy

        engine = sqlalchemy.create_engine(
            url.removeprefix("sqla+"), connect_args={"connect_timeout": max(1, round(timeout))}
        )
        try:
            with engine.connect() as connection:
                connection.execute(sqlalchemy.text("SELECT 1"))
        finally:
            engine.dispose()
    else:
        from kombu import Connection

        with Connection(url, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, timeout=max(1, round(timeout)))
    return ""


CHECKS: dict[str, Callable[[float], str]] = {"database": check_database, "cache": check_cache, "broker": check_broker}


def run_check(name: str, timeout: float) -> CheckResult:
    started = time.monotonic()
    try:
        problem = CHECKS[name](timeout)
    except Exception as error:  # any failure means not ready; its class says which kind, the log says the rest
        logger.warning("readiness: the %s check failed", name, exc_info=True)
        problem = type(error).__name__
    return CheckResult(name=name, is_ok=not problem, detail=problem or "ok", seconds=time.monotonic() - started)


def readiness() -> tuple[bool, dict[str, Any]]:
    """(ready?, the JSON body): every check's status, and which failed."""
    timeout: float = settings.READINESS_CHECK_TIMEOUT_SECONDS
    results = [run_check(name, timeout) for name in CHECKS]
    is_ready = all(result.is_ok for result in results)
    body = {
        "status": "ready" if is_ready else "unavailable",
        "checks": {result.name: result.as_dict() for result in results},
        "failed": [result.name for result in results if not result.is_ok],
    }
    return is_ready, body
