"""Audit entries past AUDIT_RETENTION_DAYS leave with their month's partition (no row-by-row DELETE of millions);
younger months stay whole; the ledger's months can never be dropped."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import purge_expired_entries, record_audit
from loyalty.models import LedgerEntry
from maxloyalty.db.partitions import drop_months_before, month_start, partition_name
from tenants.partitions import maintain_chain_partitions

AUDIT = AuditEntry._meta.db_table


def _exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        return bool(cursor.fetchone()[0])


def _entry_at(action: str, at: datetime.datetime) -> AuditEntry:
    entry = record_audit(action=action, actor=None)
    AuditEntry.objects.filter(pk=entry.pk).update(created_at=at)
    return entry


def test_a_month_past_the_retention_goes_with_its_partition_and_younger_ones_stay(alpha, settings):
    settings.AUDIT_RETENTION_DAYS = 90
    now = timezone.now()
    old = [_entry_at(f"old.{n}", now - datetime.timedelta(days=200)) for n in range(3)]
    young = _entry_at("young.thing", now - datetime.timedelta(days=40))
    maintain_chain_partitions()  # the nightly order: the months' partitions first, retention after
    old_month = partition_name(AUDIT, month_start(now - datetime.timedelta(days=200)))
    young_month = partition_name(AUDIT, month_start(now - datetime.timedelta(days=40)))
    assert _exists(old_month) and _exists(young_month)

    removed = purge_expired_entries()

    assert removed == 3
    assert not _exists(old_month)
    assert not AuditEntry.objects.filter(pk__in=[entry.pk for entry in old]).exists()
    assert _exists(young_month)
    assert AuditEntry.objects.filter(pk=young.pk).exists()


def test_the_ledger_is_never_dropped(alpha):
    ledger = LedgerEntry._meta.db_table
    this_month = partition_name(ledger, month_start(timezone.now()))

    with pytest.raises(ValueError, match="never dropped"):
        drop_months_before(ledger, timezone.now() + datetime.timedelta(days=400))

    assert _exists(this_month)
