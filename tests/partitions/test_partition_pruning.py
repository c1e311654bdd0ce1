"""The hot paths' queries keep partition pruning: a query with a time range reads only the months of that range; a
guest's history and balance are index scans; a lookup by idempotency key or POS check id reads one partition."""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditEntry
from guests.models import Visit
from loyalty.models import LedgerEntry
from loyalty.selectors import guest_ledger
from maxloyalty.db.partitions import add_months, maintain_partitions, month_start, partition_name
from pos.models import Receipt
from pos.selectors import receipt_with_check_id


def _plan(queryset: QuerySet, *, analyze: bool = False) -> str:  # type: ignore[type-arg]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny test tables: ask what an index can do
        cursor.execute(f"EXPLAIN {'(ANALYZE, COSTS OFF) ' if analyze else ''}{sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _months(table: str) -> tuple[str, str]:
    this_month = month_start(timezone.now())
    return partition_name(table, this_month), partition_name(table, add_months(this_month, 1))


def test_a_time_range_reads_only_its_months(alpha):
    now = timezone.now()
    since = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for queryset, table in (
        (Receipt.objects.filter(received_at__gte=since, received_at__lt=now), "pos_receipt"),
        (AuditEntry.objects.filter(created_at__gte=since, created_at__lt=now), "audit_auditentry"),
        (Visit.objects.filter(visited_at__gte=since, visited_at__lt=now), "guests_visit"),
        (LedgerEntry.objects.filter(created_at__gte=since, created_at__lt=now), "loyalty_ledgerentry"),
    ):
        plan = _plan(queryset)
        this_month, next_month = _months(table)
        assert f"{this_month} " in plan, plan
        assert next_month not in plan and f"{table}_default" not in plan, plan


def test_a_guests_history_is_an_index_scan_of_each_month(alpha, guest):
    plan = _plan(guest_ledger(guest=guest)[:20])
    assert "Seq Scan" not in plan, plan
    assert "loyalty_entry_guest_time_idx_" in plan, plan


def test_a_receipt_found_by_its_check_id_is_read_from_one_month(webhook, guest):
    from pos.tests.conftest import check_payload

    webhook.post(check_payload("P-1", guest=guest))
    moment = timezone.now() - datetime.timedelta(days=40)
    Receipt.objects.filter(external_id="P-1").update(received_at=moment)
    maintain_partitions()
    queryset = receipt_with_check_id(connection_id=webhook.connection.pk, external_id="P-1", operation="sale")
    plan = _plan(queryset)
    assert partition_name("pos_receipt", month_start(moment)) in plan, plan
    this_month, _next = _months("pos_receipt")
    assert this_month not in plan, plan
    assert queryset.get().external_id == "P-1"
