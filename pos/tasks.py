"""Celery tasks of the POS app: a few lines each, calling a service. They run in the chain's schema.

Beat sends `pos_chain_tick` into every chain once a minute through the one fan-out
(tenants.tasks.run_in_every_chain): receipts left pending or due for a retry are processed, and connections whose
poll interval has passed are polled.
"""

from __future__ import annotations

import logging

from celery import shared_task

from pos.adapters.base import PosUnavailable
from pos.models import SyncRunStatus
from pos.selectors import due_connections
from pos.services import drain_pending_receipts, fetch_notified_orders, sync_connection

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def drain_receipts() -> int:
    handled, more = drain_pending_receipts()
    if more:
        drain_receipts.delay()
    return handled


@shared_task(
    autoretry_for=(PosUnavailable,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=6,
    acks_late=True,
)
def sync_pos_connection(connection_id: int) -> str:
    run = sync_connection(connection_id=connection_id)
    if run.status == SyncRunStatus.PARTIAL:
        sync_pos_connection.delay(connection_id)  # a backlog: the next page right away, in a fresh task
    return str(run.status)


@shared_task(autoretry_for=(PosUnavailable,), retry_backoff=10, retry_backoff_max=600, max_retries=6, acks_late=True)
def fetch_pos_orders(connection_id: int, refs: list[str]) -> int:
    return len(fetch_notified_orders(connection_id=connection_id, refs=refs))


@shared_task(acks_late=True)
def pos_chain_tick() -> int:
    """Once a minute per chain: receipts left over or due for a retry, and the polls whose time has come."""
    handled, more = drain_pending_receipts()
    if more:
        drain_receipts.delay()
    for pos_connection in due_connections():
        sync_pos_connection.delay(pos_connection.pk)
    return handled
