"""Uniqueness the ledger and the POS pipeline rely on holds across months, although their tables are partitioned by
month (PostgreSQL enforces a partitioned table's unique index only within a month): a check first delivered last
month and retried now stores nothing and accrues nothing twice; an idempotency key used last month replays now."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from loyalty.models import LedgerEntry, LedgerKey
from loyalty.services import adjust_points, reverse_entry
from loyalty.tests.ledger_checks import assert_balance_matches_ledger
from maxloyalty.db.partitions import add_months, maintain_partitions, month_start, partition_name
from pos.models import Receipt, ReceiptKey
from pos.services import process_pending_receipts
from pos.tests.conftest import check_payload


def _last_month() -> datetime.datetime:
    """A moment in the previous calendar month (UTC): the first delivery's month."""
    return timezone.now().replace(day=1, hour=12) - datetime.timedelta(days=3)


def _partition_of(table: str, row_id: int) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [row_id])  # noqa: S608
        return cursor.fetchone()[0].split(".")[-1].strip('"')


def test_a_check_retried_in_the_next_month_stores_and_accrues_nothing_more(webhook, guest):
    first = webhook.post(check_payload("M-1", guest=guest))
    assert first.status_code == 202
    receipt_id = first.json()["receipt_id"]
    assert process_pending_receipts() == 1
    # The first delivery happened last month: its receipt (and its ledger entries) live in last month's partition.
    moment = _last_month()
    Receipt.objects.filter(pk=receipt_id).update(received_at=moment)
    LedgerEntry.objects.filter(guest=guest).update(created_at=moment, available_at=moment)
    maintain_partitions()  # last month gets a partition of its own (a new chain's rows of it wait in the default)
    last_month = partition_name("pos_receipt", month_start(moment))
    assert _partition_of("pos_receipt", receipt_id) == last_month
    entries = list(LedgerEntry.objects.filter(guest=guest).values_list("pk", "points"))
    assert entries

    again = webhook.post(check_payload("M-1", guest=guest))

    assert again.status_code == 200
    assert again.json()["receipt_id"] == receipt_id and again.json()["duplicate"] is True
    assert Receipt.objects.filter(external_id="M-1").count() == 1
    assert process_pending_receipts() == 0
    assert list(LedgerEntry.objects.filter(guest=guest).values_list("pk", "points")) == entries
    assert ReceiptKey.objects.get(receipt_id=receipt_id).received_at == moment
    assert_balance_matches_ledger(guest)


def test_an_idempotency_key_used_last_month_replays_instead_of_accruing_again(alpha, guest):
    owner = alpha.user("owner")
    entry = adjust_points(guest=guest, points=50, reason="gift", idempotency_key="gift-M-2", actor=owner)
    moment = _last_month()
    LedgerEntry.objects.filter(pk=entry.pk).update(created_at=moment, available_at=moment)
    maintain_partitions()
    assert _partition_of("loyalty_ledgerentry", entry.pk) == partition_name("loyalty_ledgerentry", month_start(moment))

    replay = adjust_points(guest=guest, points=50, reason="gift", idempotency_key="gift-M-2", actor=owner)

    assert replay.is_replay and replay.pk == entry.pk
    assert LedgerEntry.objects.filter(guest=guest, kind="adjustment").count() == 1
    assert LedgerKey.objects.get(entry_id=entry.pk).created_at == moment
    assert_balance_matches_ledger(guest)


def test_the_database_refuses_a_second_entry_with_a_key_of_another_month(alpha, guest):
    entry = adjust_points(guest=guest, points=10, reason="gift", idempotency_key="gift-M-3", actor=alpha.user("owner"))
    next_month = add_months(month_start(timezone.now()), 1)
    later = datetime.datetime(next_month.year, next_month.month, 2, tzinfo=datetime.UTC)
    with pytest.raises(IntegrityError, match="loyalty_ledgerkey_idempotency_key_unique"), transaction.atomic():
        LedgerEntry.objects.create(
            kind="adjustment", points=10, guest=guest, created_at=later, idempotency_key=entry.idempotency_key
        )
    assert LedgerEntry.objects.filter(idempotency_key="gift-M-3").count() == 1


def test_an_entry_of_last_month_is_reversed_only_once(alpha, guest):
    owner = alpha.user("owner")
    entry = adjust_points(guest=guest, points=40, reason="gift", idempotency_key="gift-M-4", actor=owner)
    moment = _last_month()
    LedgerEntry.objects.filter(pk=entry.pk).update(created_at=moment, available_at=moment)
    reversal = reverse_entry(entry=LedgerEntry.objects.get(pk=entry.pk), actor=owner, idempotency_key="undo-M-4")
    next_month = add_months(month_start(timezone.now()), 1)
    with pytest.raises(IntegrityError, match="loyalty_ledgerkey_reversed_once"), transaction.atomic():
        LedgerEntry.objects.create(
            kind="reversal",
            points=-40,
            guest=guest,
            reverses_id=entry.pk,
            created_at=datetime.datetime(next_month.year, next_month.month, 2, tzinfo=datetime.UTC),
            idempotency_key="undo-M-4-bis",
        )
    assert list(LedgerEntry.objects.filter(reverses_id=entry.pk).values_list("pk", flat=True)) == [reversal.pk]
    assert_balance_matches_ledger(guest)


def test_a_deleted_receipt_releases_its_check_id(webhook, guest):
    receipt_id = webhook.post(check_payload("M-5", guest=guest)).json()["receipt_id"]
    Receipt.objects.filter(pk=receipt_id).delete()
    assert not ReceiptKey.objects.filter(receipt_id=receipt_id).exists()
    assert webhook.post(check_payload("M-5", guest=guest)).status_code == 202
