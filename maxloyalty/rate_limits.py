"""Fixed-window counters in Redis for actions that a stranger can repeat: sign-ups, confirmation mails, invitations.

One atomic INCR per hit, so parallel requests cannot slip past the limit; the first hit of a window sets its
expiry. Keys live in the platform cache (not per chain): a flood is counted wherever it lands.
"""

from __future__ import annotations

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache


def _cache() -> BaseCache:
    return caches["platform"]


def hit(*, scope: str, subject: str, limit: int, window_seconds: int) -> bool:
    """Count one action of `subject` in `scope`; False when this one is over `limit` within the window."""
    key = f"rate:{scope}:{subject.strip().lower()}"
    _cache().add(key, 0, timeout=window_seconds)
    try:
        count = _cache().incr(key)
    except ValueError:  # the window expired between add and incr
        _cache().set(key, 1, timeout=window_seconds)
        count = 1
    return int(count) <= limit


def is_over(*, scope: str, subject: str, limit: int) -> bool:
    """Whether `subject` has already used up `limit` in the current window (counts nothing)."""
    return int(_cache().get(f"rate:{scope}:{subject.strip().lower()}", 0)) >= limit
