"""Locks an account or a client address for LOGIN_LOCK_MINUTES after repeated failed sign-ins.

Counters are atomic Redis increments (INCR), so parallel guesses cannot slip past the limit.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import caches

IP_LIMIT_FACTOR = 4  # a restaurant's till shares one address among many staff


def _cache():  # type: ignore[no-untyped-def]
    return caches["platform"]


def _subjects(email: str, ip: str) -> list[tuple[str, int]]:
    limit = settings.LOGIN_FAILURE_LIMIT
    return [(f"email:{email.strip().lower()}", limit), (f"ip:{ip}", limit * IP_LIMIT_FACTOR)]


def seconds_locked(*, email: str, ip: str) -> int:
    """0 when sign-in may be tried; otherwise how many seconds the lock still holds."""
    now = time.time()
    remaining = [
        int(until - now) + 1 for subject, _ in _subjects(email, ip) if (until := _cache().get(f"login-lock:{subject}"))
    ]
    return max([seconds for seconds in remaining if seconds > 0], default=0)


def register_failure(*, email: str, ip: str) -> int:
    """Count one failed attempt; returns the lock's seconds when this failure set one, else 0."""
    window = settings.LOGIN_LOCK_MINUTES * 60
    locked_for = 0
    for subject, limit in _subjects(email, ip):
        counter = f"login-fail:{subject}"
        _cache().add(counter, 0, timeout=window)
        try:
            failures = _cache().incr(counter)
        except ValueError:  # expired between add and incr
            _cache().set(counter, 1, timeout=window)
            failures = 1
        if failures >= limit:
            _cache().set(f"login-lock:{subject}", time.time() + window, timeout=window)
            _cache().delete(counter)
            locked_for = window
    return locked_for


def clear_failures(*, email: str) -> None:
    _cache().delete(f"login-fail:email:{email.strip().lower()}")
