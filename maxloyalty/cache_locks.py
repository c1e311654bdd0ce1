"""Locks held in the cache by one piece of background work (a snapshot refresh, a duplicate scan), so that at most
one runs per chain: the lock's value is a token that only its holder frees; its timeout frees it if the holder
dies. The keys are the chain's own (the cache's key function prefixes the schema)."""

from __future__ import annotations

import uuid

from django.core.cache import cache


def take_lock(key: str, *, seconds: int) -> str | None:
    """A new token when the lock was free (now held by that token), else None."""
    token = uuid.uuid4().hex
    return token if cache.add(key, token, timeout=seconds) else None


def free_lock(key: str, token: str) -> None:
    """Free the lock if `token` still holds it (after its timeout, other work may have taken it)."""
    if cache.get(key) == token:
        cache.delete(key)


def lock_is_held(key: str) -> bool:
    return cache.get(key) is not None
