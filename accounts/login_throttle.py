"""Failure counters and locks in Redis for sign-in and password-reset requests (atomic INCR, fixed windows).

A subject is a string naming what is counted ("acct-addr:<account>:<address>:<scope>", "addr:<address>", ...).
Accounts appear only as a digest of the email and an epoch: a successful password reset bumps the account's
epoch, which retires every counter and lock of that account at once (on every host and address).
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache


def _cache() -> BaseCache:
    return caches["platform"]


def email_digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def account_key(email: str) -> str:
    """The account's name in counter keys: a digest of the normalised email and the account's current epoch."""
    digest = email_digest(email)
    epoch = _cache().get(f"login-epoch:{digest}", 0)
    return f"{digest}.{epoch}"


def retire_account_counters(email: str) -> None:
    """Forget every failure count and lock of this account (after it proved its email by a reset link)."""
    key = f"login-epoch:{email_digest(email)}"
    _cache().add(key, 0, timeout=None)
    _cache().incr(key)


def seconds_locked(subject: str) -> int:
    """0 when the subject is not locked; otherwise how many seconds the lock still holds."""
    until = _cache().get(f"login-lock:{subject}")
    return max(0, int(until - time.time()) + 1) if until else 0


def _count(subject: str, *, window_seconds: int) -> int:
    """Add one to the subject's counter (its window starts at the first hit) and return the new value."""
    counter = f"login-count:{subject}"
    _cache().add(counter, 0, timeout=window_seconds)
    try:
        return int(_cache().incr(counter))
    except ValueError:  # expired between add and incr
        _cache().set(counter, 1, timeout=window_seconds)
        return 1


def register_failure(subject: str, *, limit: int, lock_seconds: int) -> int:
    """Count one failure; when it reaches the limit, lock the subject. Returns the lock's seconds or 0."""
    if _count(subject, window_seconds=lock_seconds) < limit:
        return 0
    _cache().set(f"login-lock:{subject}", time.time() + lock_seconds, timeout=lock_seconds)
    _cache().delete(f"login-count:{subject}")
    return lock_seconds


def clear(subject: str) -> None:
    _cache().delete(f"login-count:{subject}")


def remember(subject: str, *, seconds: int) -> None:
    _cache().set(f"login-known:{subject}", 1, timeout=seconds)


def is_remembered(subject: str) -> bool:
    return bool(_cache().get(f"login-known:{subject}"))
