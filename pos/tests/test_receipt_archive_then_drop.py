"""Receipts past RECEIPT_RETENTION_DAYS: their month is archived to the chain's files (gzipped JSON lines, every
column and the raw payload) and only then is its partition dropped, with the month's POS check id keys; storage
that refuses the file keeps the month whole."""

from __future__ import annotations

import datetime
import gzip
import json

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from maxloyalty.db.partitions import month_start, partition_name
from pos.models import Receipt, ReceiptKey
from pos.services.receipt_archive import archive_and_drop_old_receipts
from pos.tests.conftest import check_payload
from tenants.partitions import maintain_chain_partitions

RECEIPTS = Receipt._meta.db_table


def _exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        return bool(cursor.fetchone()[0])


@pytest.fixture
def old_and_new(webhook, settings):
    """Two checks received 800 days ago (moved there, then given their month by maintenance) and one today."""
    settings.RECEIPT_RETENTION_DAYS = 730
    for external_id in ("OLD-1", "OLD-2", "NEW-1"):
        assert webhook.post(check_payload(external_id)).status_code in (200, 201, 202)
    long_ago = timezone.now() - datetime.timedelta(days=800)
    Receipt.objects.filter(external_id__startswith="OLD-").update(received_at=long_ago)
    maintain_chain_partitions()
    month = partition_name(RECEIPTS, month_start(long_ago))
    assert _exists(month)
    return month


def _archived_lines(name: str) -> list[dict[str, object]]:
    with default_storage.open(name, "rb") as stored:
        return [json.loads(line) for line in gzip.decompress(stored.read()).splitlines()]


def test_an_old_month_is_archived_with_every_column_then_dropped_with_its_keys(alpha, old_and_new, chain_storage):
    done = archive_and_drop_old_receipts()

    (archive,) = [name for name in chain_storage.stored_names() if "/receipt-archives/" in name]
    lines = _archived_lines(archive)
    assert done.archives == {old_and_new: archive}
    assert sorted(line["external_id"] for line in lines) == ["OLD-1", "OLD-2"]
    assert all(line["payload"]["external_id"] == line["external_id"] for line in lines)  # the raw payload
    assert {"total_amount", "received_at", "status", "connection_id", "lines"} <= set(lines[0])
    assert not _exists(old_and_new)
    assert list(Receipt.objects.values_list("external_id", flat=True)) == ["NEW-1"]
    assert list(ReceiptKey.objects.values_list("external_id", flat=True)) == ["NEW-1"]


def test_storage_that_refuses_the_archive_keeps_the_month(alpha, old_and_new, chain_storage):
    chain_storage.break_storage()

    with pytest.raises(Exception):  # noqa: B017  (the storage's own error: OSError, or botocore's)
        archive_and_drop_old_receipts()

    assert _exists(old_and_new)
    assert Receipt.objects.filter(external_id__startswith="OLD-").count() == 2
    assert ReceiptKey.objects.filter(external_id__startswith="OLD-").count() == 2
