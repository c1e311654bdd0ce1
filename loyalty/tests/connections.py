"""Committed writes from a test that runs inside a rolled-back transaction: a thread with its own connection."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import connection
from django_tenants.utils import schema_context

T = TypeVar("T")


def in_own_connection(schema_name: str, work: Callable[[], T]) -> T:
    """Run `work` in a thread with its own database connection (autocommit): what it writes is committed.

    The test itself runs inside a transaction that is rolled back; rows other threads must see are written here.
    """

    def run() -> T:
        try:
            with schema_context(schema_name):
                return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
