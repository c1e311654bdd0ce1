"""Celery tasks of the POS app: a few lines each, calling a service. They run in the chain's schema.

Beat sends `pos_chain_tick` into every chain once a minute through the one fan-out
(tenants.tasks.run_in_every_chain): receipts left pending or due for a retry are processed, connections whose
poll interval has passed are polled, guests' receipt claims still waiting are matched again or expire, and once a day rejected attempts and sync runs past the retention go.
"""

from __future__ import annotations

import logging
import random
from typing import Any

from celery import Task, shared_task
from django.conf import settings

from pos.adapters.base import PosUnavailable
from pos.models import SyncRunStatus
from pos.selectors import due_connections
from pos.services import drain_pending_receipts, fetch_notified_orders, purge_old_history, sync_connection
from pos.services.claims import retry_pending_claims
from pos.services.receipt_archive import archive_and_drop_old_receipts

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def drain_receipts(slot: int = 0) -> int:
    handled, more = drain_pending_receipts(slot=slot)
    if more:
        drain_receipts.delay(slot=slot)
    return handled


def retry_delay(retries: int, retry_after: float | None, *, base: int = 30, cap: int = 1800) -> float:
    """Exponential backoff with jitter, never sooner than the POS's own Retry-After."""
    backoff: float = min(base * 2**retries, cap)
    return max(retry_after or 0.0, backoff * random.uniform(0.8, 1.2))  # noqa: S311  (jitter, not security)


@shared_task(bind=True, max_retries=6, acks_late=True)
def sync_pos_connection(self: Task[Any, Any], connection_id: int) -> str:
    try:
        run = sync_connection(connection_id=connection_id)
    except PosUnavailable as error:
        raise self.retry(exc=error, countdown=retry_delay(self.request.retries, error.retry_after)) from error
    if run.status == SyncRunStatus.PARTIAL:
        sync_pos_connection.delay(connection_id)  # a backlog: the next page right away, in a fresh task
    return str(run.status)


@shared_task(bind=True, max_retries=6, acks_late=True)
def fetch_pos_orders(self: Task[Any, Any], connection_id: int, refs: list[str]) -> int:
    try:
        return len(fetch_notified_orders(connection_id=connection_id, refs=refs))
    except PosUnavailable as error:
        raise self.retry(exc=error, countdown=retry_delay(self.request.retries, error.retry_after, base=10)) from error


@shared_task(acks_late=True)
def pos_chain_tick() -> int:
    """Once a minute per chain: receipts left over or due for a retry, the polls whose time has come, and the
    receipt claims waiting for late POS data."""
    handled, more = drain_pending_receipts(linger=False)  # a safety net: it does not wait for new arrivals
    if more:
        drain_receipts.delay()
    for pos_connection in due_connections():
        sync_pos_connection.delay(pos_connection.pk)
    retry_pending_claims()
    return handled


@shared_task(acks_late=True)
def purge_pos_history() -> tuple[int, int]:
    """Nightly per chain: rejected attempts and sync runs past the audit retention."""
    return purge_old_history(days=settings.AUDIT_RETENTION_DAYS)


@shared_task(acks_late=True)
def archive_old_receipts() -> int:
    """Nightly per chain: receipt months past RECEIPT_RETENTION_DAYS archived to the chain's files, then dropped."""
    return archive_and_drop_old_receipts().receipts
