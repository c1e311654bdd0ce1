"""Whether the analytics read replica may be read: reachable, and at most ANALYTICS_REPLICA_MAX_LAG_SECONDS behind.

Each process asks the replica at most once per ANALYTICS_REPLICA_CHECK_SECONDS (on a connection of its own, with a
short timeout) and keeps the verdict until then; analytics.routers sends analytics reads to the primary while the
verdict is no. Each no is logged once (a warning) and counted in maxloyalty_analytics_replica_skips_total.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from decimal import Decimal

import psycopg
from django.conf import settings
from django.db import connections

from observability.metrics import ANALYTICS_REPLICA_SKIPS

logger = logging.getLogger(__name__)

# A replica that neither connects nor answers within this many seconds is unreachable for this check: a request
# that happens to run the check waits at most this long, and only once per check interval.
CHECK_TIMEOUT_SECONDS = 2
# Seconds between the two looks of one check: WAL with no transaction in it (an idle primary's periodic snapshot
# records) is replayed within milliseconds, and caught in that moment it would read as the whole time since the last
# transaction. A real lag is still there at the second look.
SECOND_LOOK_DELAY_SECONDS = 0.05

# Seconds the replica's data is behind, asked on the replica. All received WAL replayed is no lag, however old its
# last transaction (a primary with nothing to write is not a stale replica), unless no WAL receiver is running:
# then nothing says what the replica is missing, and its age is the time since its last replayed transaction. NULL:
# not known (nothing replayed since the replica started): not fresh. Not in recovery (a primary, a promoted
# replica): no lag.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() AND EXISTS (SELECT FROM pg_stat_wal_receiver) THEN 0
    ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())
END
"""


@dataclass(frozen=True)
class _Verdict:
    is_usable: bool
    checked_at: float  # time.monotonic()


_verdicts: dict[str, _Verdict] = {}
_checking = threading.Lock()


def replica_is_usable(alias: str) -> bool:
    """The verdict of this process's last check of `alias`, checking again when it is older than the interval.

    While one thread checks, the others keep the last verdict (the primary when there is none yet) instead of
    waiting for an unreachable replica's timeout.
    """
    verdict = _verdicts.get(alias)
    if verdict is not None and time.monotonic() - verdict.checked_at < settings.ANALYTICS_REPLICA_CHECK_SECONDS:
        return verdict.is_usable
    if not _checking.acquire(blocking=False):
        return verdict.is_usable if verdict is not None else False
    try:
        is_usable = _check(alias)
        _verdicts[alias] = _Verdict(is_usable=is_usable, checked_at=time.monotonic())
    finally:
        _checking.release()
    return is_usable


def forget_replica_checks() -> None:
    """Drop every kept verdict: the next read checks again (tests that change the replica between reads)."""
    _verdicts.clear()


def replica_lag_seconds(alias: str) -> float | None:
    """How many seconds the replica behind `alias` is behind its primary (LAG_SQL), None when it cannot say;
    psycopg.Error when it cannot be asked."""
    params = {
        **connections[alias].get_connection_params(),  # where Django connects: host, port, user, options
        "connect_timeout": CHECK_TIMEOUT_SECONDS,
        "autocommit": True,
    }
    params["options"] = f"{params.get('options', '')} -c statement_timeout={CHECK_TIMEOUT_SECONDS * 1000}".strip()
    with psycopg.connect(**params) as replica:
        lag = _lag(replica)
        if lag is None or lag > 0:
            time.sleep(SECOND_LOOK_DELAY_SECONDS)
            lag = _lag(replica)
    return lag


def _lag(replica: psycopg.Connection[tuple[object, ...]]) -> float | None:
    row = replica.execute(LAG_SQL).fetchone()
    value = row[0] if row else None
    return float(value) if isinstance(value, Decimal | int | float) else None  # EXTRACT gives numeric


def _check(alias: str) -> bool:
    limit = settings.ANALYTICS_REPLICA_MAX_LAG_SECONDS
    try:
        lag = replica_lag_seconds(alias)
    except (psycopg.Error, OSError) as error:
        logger.warning("Analytics replica %r is unreachable, analytics read the primary: %s", alias, error)
        ANALYTICS_REPLICA_SKIPS.labels(reason="unreachable").inc()
        return False
    if lag is None or lag > limit:
        shown = "unknown" if lag is None else f"{lag:.1f} s"
        logger.warning("Analytics replica %r lags %s (limit %s s), analytics read the primary", alias, shown, limit)
        ANALYTICS_REPLICA_SKIPS.labels(reason="lag").inc()
        return False
    return True
