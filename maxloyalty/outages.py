"""Recognises an outage of a dependency (PostgreSQL, Redis, the Celery broker) in an exception.

Such a request failed through no fault of its own and may succeed when retried, so it is answered 503 with
Retry-After (maxloyalty.error_pages.server_error), not 500. Django closes a connection that raised and opens a new
one on the next request, so the process recovers by itself when the dependency returns.
"""

from __future__ import annotations

from functools import cache


@cache
def _outage_types() -> tuple[type[BaseException], ...]:
    import kombu.exceptions
    import psycopg
    import redis.exceptions
    from django.db import InterfaceError, OperationalError
    from django_redis.exceptions import ConnectionInterrupted

    return (
        OperationalError,  # connection refused or dropped, too many clients, a restart, a cancelled query
        InterfaceError,  # a connection already closed
        psycopg.OperationalError,
        redis.exceptions.ConnectionError,
        redis.exceptions.TimeoutError,
        ConnectionInterrupted,
        kombu.exceptions.OperationalError,  # the broker, when a task is queued
    )


def is_outage(error: BaseException | None) -> bool:
    """True when the error, or an error it was raised from, is a dependency that is down or saturated."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, _outage_types()):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False
