"""POS sync runs and refused pushes past AUDIT_RETENTION_DAYS leave with their month's partition; the month the
cutoff falls in keeps its younger rows."""

from __future__ import annotations

import datetime

from django.db import connection
from django.utils import timezone

from maxloyalty.db.partitions import month_start, partition_name
from pos.models import RejectedAttempt, SyncRun
from pos.services import purge_old_history
from pos.tests.conftest import check_payload
from tenants.partitions import maintain_chain_partitions


def _exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        return bool(cursor.fetchone()[0])


def test_old_months_of_sync_runs_and_refused_pushes_are_dropped(webhook, alpha):
    now = timezone.now()
    long_ago = now - datetime.timedelta(days=200)
    webhook.post(check_payload("BAD-1"), secret="whsec_bad")
    RejectedAttempt.objects.update(minute=long_ago, received_at=long_ago)
    SyncRun.objects.create(connection=webhook.connection, started_at=long_ago)
    SyncRun.objects.create(connection=webhook.connection, started_at=long_ago + datetime.timedelta(hours=1))
    kept = SyncRun.objects.create(connection=webhook.connection)
    maintain_chain_partitions()
    old_runs = partition_name(SyncRun._meta.db_table, month_start(long_ago))
    old_attempts = partition_name(RejectedAttempt._meta.db_table, month_start(long_ago))
    assert _exists(old_runs) and _exists(old_attempts)

    removed = purge_old_history(days=90, now=now)

    assert removed == (1, 2)
    assert not _exists(old_runs)
    assert not _exists(old_attempts)
    assert list(SyncRun.objects.values_list("pk", flat=True)) == [kept.pk]
    assert RejectedAttempt.objects.count() == 0
