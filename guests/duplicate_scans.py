"""The duplicate scan: comparing the whole chain for guests who are probably one person (guests.duplicates.
found_pairs_sql, seconds at 1M guests) in the background and storing the pairs (DuplicateCandidate), so the
duplicates page and API answer at once at any size.

The scan runs hourly per chain (beat), when someone opens the duplicates page or API and the last scan is older than
DUPLICATE_SCAN_MAX_AGE_SECONDS (or there is none), and on the page's "Find again"; at most one at a time per chain
(maxloyalty.cache_locks). A pair found again keeps the time it was first found; a pair no longer found is removed.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from guests.duplicates import NAME_SIMILARITY, found_pairs_sql, latest_duplicate_scan
from guests.models import DuplicateCandidate, DuplicateScan
from maxloyalty.cache_locks import free_lock, lock_is_held, take_lock
from maxloyalty.task_queue import enqueue

SCAN_LOCK = "guests:duplicate-scan"
SCAN_TASK = "guests.tasks.scan_for_duplicates"
SCAN_LOCK_SECONDS = 1800  # a crashed scan frees the lock after this long
SCANS_KEPT = 2

_CANDIDATES = DuplicateCandidate._meta.db_table


def _store_pairs_sql() -> str:
    """One statement, one snapshot: the pairs no longer found are removed, the others inserted or their reasons
    updated (the query depends on whether the server has pg_trgm, so it is made when run)."""
    return (
        f"WITH found AS ({found_pairs_sql()}), "  # noqa: S608  # constants only
        f"gone AS (DELETE FROM {_CANDIDATES} c WHERE NOT EXISTS "
        "(SELECT 1 FROM found f WHERE f.first_id = c.first_id AND f.second_id = c.second_id)) "
        f"INSERT INTO {_CANDIDATES} (first_id, second_id, reasons, found_at) "
        "SELECT first_id, second_id, reasons, %(now)s FROM found "
        "ON CONFLICT (first_id, second_id) DO UPDATE SET reasons = EXCLUDED.reasons"
    )


def scan_is_running() -> bool:
    return lock_is_held(SCAN_LOCK)


def request_duplicate_scan() -> bool:
    """Queue a scan unless one is queued or running; whether it was queued."""
    token = take_lock(SCAN_LOCK, seconds=SCAN_LOCK_SECONDS)
    if token is None:
        return False
    try:
        enqueue(SCAN_TASK, lock_token=token)
    except Exception:
        free_lock(SCAN_LOCK, token)
        raise
    return True


def scan_when_stale() -> tuple[DuplicateScan | None, bool]:
    """What the page and the API show the pairs of: the last scan (None before the first), and whether a scan is
    queued or running. A missing or stale scan queues one (with eager tasks, as in tests, it is done at once)."""
    scan = latest_duplicate_scan()
    max_age = settings.DUPLICATE_SCAN_MAX_AGE_SECONDS
    if scan is None or (timezone.now() - scan.finished_at).total_seconds() > max_age:
        request_duplicate_scan()
        scan = latest_duplicate_scan()
    return scan, scan_is_running()


def scan_for_duplicates(*, lock_token: str | None = None) -> DuplicateScan | None:
    """Find every pair now and store them. `lock_token`: the lock request_duplicate_scan took for this run; without
    one the scan takes the lock itself and returns None, doing nothing, when another scan holds it."""
    token = lock_token or take_lock(SCAN_LOCK, seconds=SCAN_LOCK_SECONDS)
    if token is None:
        return None
    began = time.monotonic()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(_store_pairs_sql(), {"similarity": NAME_SIMILARITY, "now": timezone.now()})
            pairs = DuplicateCandidate.objects.count()
            scan = DuplicateScan.objects.create(seconds=round(time.monotonic() - began, 3), pairs=pairs)
            kept = DuplicateScan.objects.order_by("-finished_at", "-id").values_list("id", flat=True)[:SCANS_KEPT]
            DuplicateScan.objects.exclude(id__in=list(kept)).delete()
    finally:
        free_lock(SCAN_LOCK, token)
    return scan
