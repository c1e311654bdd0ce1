"""Pulling checks from POS APIs (iiko, R-Keeper): a sync run per poll, page by page, cursor saved after each page.

A page is committed before the next is asked for, so an interrupted run resumes where it stopped, and a long
outage is caught up in pages. When a run's time budget is spent with pages left it ends PARTIAL and the task
queues the next run at once. POS errors end the run FAILED, surface as the connection's last error and are
retried by the task with backoff.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.utils import timezone

from maxloyalty.current_schema import current_schema_name, current_tenant
from maxloyalty.db.retention import drop_expired_months
from pos.adapters.base import PosAdapter, PosError
from pos.adapters.registry import adapter_class
from pos.models import ConnectionStatus, PosConnection, Receipt, ReceiptSource, RejectedAttempt, SyncRun, SyncRunStatus
from pos.selectors import connection_credentials, restaurant_zone
from pos.services.receipts import store_checks


def chain_currency() -> str:
    currency = getattr(current_tenant(), "currency", None)
    if currency:
        return str(currency)
    from tenants.models import DEFAULT_CURRENCY, Chain

    return (
        Chain.objects.filter(schema_name=current_schema_name()).values_list("currency", flat=True).first()
        or DEFAULT_CURRENCY
    )


def build_adapter(pos_connection: PosConnection, *, client: httpx.Client | None = None) -> PosAdapter:
    adapter = adapter_class(pos_connection.kind)
    return adapter(
        pos_connection,
        credentials=connection_credentials(pos_connection),
        currency=chain_currency(),
        zone=restaurant_zone(pos_connection.restaurant),
        client=client,
    )


def _known(pos_connection: PosConnection) -> Callable[[Sequence[str]], set[str]]:
    def known(external_ids: Sequence[str]) -> set[str]:
        return set(
            Receipt.objects.filter(
                connection=pos_connection, operation="sale", external_id__in=list(external_ids)
            ).values_list("external_id", flat=True)
        )

    return known


def _record_error(pos_connection: PosConnection, message: str) -> None:
    pos_connection.last_error = message[:2000]
    pos_connection.last_error_at = timezone.now()
    fields = ["last_error", "last_error_at", "updated_at"]
    if pos_connection.status == ConnectionStatus.ACTIVE:
        pos_connection.status = ConnectionStatus.FAILING
        fields.append("status")
    pos_connection.save(update_fields=fields)


def sync_connection(
    *, connection_id: int, time_budget_seconds: float = 240.0, client: httpx.Client | None = None
) -> SyncRun:
    """Poll one connection from its cursor until caught up (SUCCEEDED) or out of time (PARTIAL)."""
    pos_connection = PosConnection.objects.select_related("restaurant").get(pk=connection_id)
    run = SyncRun.objects.create(connection=pos_connection, cursor_before=pos_connection.sync_cursor)
    deadline = time.monotonic() + time_budget_seconds
    cursor: dict[str, Any] = dict(pos_connection.sync_cursor)
    try:
        adapter = build_adapter(pos_connection, client=client)
        known = _known(pos_connection)
        while True:
            page = adapter.fetch_page(cursor, known)
            new_ids = store_checks(
                connection_id=pos_connection.pk,
                restaurant_id=pos_connection.restaurant_id,
                checks=page.checks,
                source=ReceiptSource.PULL,
            )
            cursor = page.cursor
            pos_connection.sync_cursor = cursor
            pos_connection.save(update_fields=["sync_cursor", "updated_at"])
            run.pages += 1
            run.fetched_count += len(page.checks)
            run.new_count += len(new_ids)
            run.window_from = run.window_from or page.window_from
            run.window_to = page.window_to or run.window_to
            run.cursor_after = cursor
            run.save(update_fields=["pages", "fetched_count", "new_count", "window_from", "window_to", "cursor_after"])
            if not page.has_more:
                run.status = SyncRunStatus.SUCCEEDED
                break
            if time.monotonic() > deadline:
                run.status = SyncRunStatus.PARTIAL
                break
    except PosError as error:
        run.status = SyncRunStatus.FAILED
        run.error_count += 1
        run.errors = [*run.errors, {"at": timezone.now().isoformat(), "error": str(error)[:500]}]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error_count", "errors", "finished_at"])
        _record_error(pos_connection, str(error))
        raise
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    pos_connection.last_synced_at = run.finished_at
    pos_connection.last_error = ""
    fields = ["last_synced_at", "last_error", "updated_at"]
    if pos_connection.status == ConnectionStatus.FAILING:
        pos_connection.status = ConnectionStatus.ACTIVE
        fields.append("status")
    pos_connection.save(update_fields=fields)
    return run


def fetch_notified_orders(*, connection_id: int, refs: Sequence[str], client: httpx.Client | None = None) -> list[int]:
    """Re-read the orders a POS notification named, and store the closed (or refunded) ones."""
    pos_connection = PosConnection.objects.select_related("restaurant").get(pk=connection_id)
    try:
        checks = build_adapter(pos_connection, client=client).fetch_orders(refs)
    except PosError as error:
        _record_error(pos_connection, str(error))
        raise
    return store_checks(
        connection_id=pos_connection.pk,
        restaurant_id=pos_connection.restaurant_id,
        checks=checks,
        source=ReceiptSource.NOTIFICATION,
    )


def purge_old_history(*, days: int, now: datetime | None = None) -> tuple[int, int]:
    """Remove rejected attempts and sync runs older than `days` (they only explain recent trouble): whole months
    by dropping their partitions, the few left past the cutoff deleted. (rejected attempts, sync runs) removed."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    attempts = drop_expired_months(RejectedAttempt._meta.db_table, cutoff)
    attempts += RejectedAttempt.objects.filter(received_at__lt=cutoff).delete()[0]
    runs = drop_expired_months(SyncRun._meta.db_table, cutoff)
    runs += SyncRun.objects.filter(started_at__lt=cutoff).delete()[0]
    return attempts, runs
