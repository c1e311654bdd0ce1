"""Heavy analytics reads go to a read replica when ANALYTICS_DATABASE_URL configures one (alias "replica") and it is
fresh (analytics.replica_lag: reachable, not lagging), and raw rows are read from the connection a caller names.

Without a replica (the default), or while it lags, everything uses "default". Writes and migrations never go to the
replica.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from analytics.replica_lag import replica_is_usable

REPLICA = "replica"


def analytics_db_alias() -> str:
    """The alias "replica" when one is configured and its last check found it fresh, else "default"."""
    return REPLICA if REPLICA in settings.DATABASES and replica_is_usable(REPLICA) else "default"


def analytics_connection() -> BaseDatabaseWrapper:
    """The connection for analytics reads, switched to the current chain's schema."""
    alias = analytics_db_alias()
    target = connections[alias]
    if alias != "default" and getattr(connection, "tenant", None) is not None:
        target.set_tenant(connection.tenant)  # type: ignore[attr-defined]  # django-tenants' wrappers
    return target


def fetch_rows(sql: str, params: list[Any], db: BaseDatabaseWrapper | None = None) -> list[tuple[Any, ...]]:
    """The rows of a raw query on `db`: the default connection unless told (roll-ups read what they just wrote)."""
    with (connection if db is None else db).cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


SET_LOCAL_SQL = "SELECT set_config('work_mem', %s, true), set_config('jit', %s, true)"


def fetch_rows_of_heavy_query(sql: str, params: list[Any], db: BaseDatabaseWrapper) -> list[tuple[Any, ...]]:
    """fetch_rows for a background job's query over a whole chain's history (the liability's cohorts): sorts and
    hashes get ANALYTICS_HEAVY_QUERY_WORK_MEM instead of the server's default (4 MB spills millions of rows to disk:
    at 10M ledger entries more than 110 s against 29 s, docs/benchmarks.md), and no JIT (seconds of compiling for a
    query whose time goes to sorting), for this query only: the settings are put back after it (and are local to the
    transaction in any case)."""
    with transaction.atomic(using=db.alias), db.cursor() as cursor:
        cursor.execute("SELECT current_setting('work_mem'), current_setting('jit')")
        work_mem, jit = cursor.fetchone()
        cursor.execute(SET_LOCAL_SQL, [settings.ANALYTICS_HEAVY_QUERY_WORK_MEM, "off"])
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        cursor.execute(SET_LOCAL_SQL, [work_mem, jit])
        return rows


class AnalyticsReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if model._meta.app_label == "analytics" and analytics_db_alias() == REPLICA:  # type: ignore[attr-defined]  # a model class
            return REPLICA
        return None

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return False if db == REPLICA else None
