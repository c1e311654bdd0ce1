"""Pure rules of messaging, no database: when quiet hours end, which channels to try in which order.

1. Quiet hours are a local time range; a start after the end spans midnight (21:00–09:00). Equal or empty bounds
   mean no quiet hours. A moment inside them waits until their end (the same day or the next one), never dropped.
2. The order of channels: the guest's preferred one first, then the chain's order, each once; unknown names dropped.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable


def quiet_hours_end(
    moment: datetime.datetime, *, start: datetime.time | None, end: datetime.time | None
) -> datetime.datetime | None:
    """The end of the quiet hours `moment` (aware, in the local zone) falls in, in that zone; None when outside."""
    if start is None or end is None or start == end:
        return None
    local = moment.time()
    if start < end:
        inside, next_day = start <= local < end, False
    else:
        inside, next_day = (local >= start or local < end), local >= start
    if not inside:
        return None
    day = moment.date() + datetime.timedelta(days=1 if next_day else 0)
    return datetime.datetime.combine(day, end, tzinfo=moment.tzinfo)


def channels_to_try(*, preferred: str | None, order: Iterable[str], known: Iterable[str]) -> list[str]:
    """The preferred channel first, then the chain's order; each channel once, only known ones."""
    known_channels = set(known)
    tried: list[str] = []
    for channel in [preferred, *order]:
        if channel and channel in known_channels and channel not in tried:
            tried.append(channel)
    return tried
