"""The drain's claim walks the pending index in id order and stops at its batch, whatever the table's statistics
say: a bitmap scan would read every entry still in the index (receipts processed since the last vacuum included)
and sort them all on each batch. Receipts are partitioned by month: the walks of each month's index are merged."""

from __future__ import annotations

from django.db import connection

from pos.services import process_pending_receipts
from pos.services.receipts import insert_new_receipts, receipt_values
from pos.tests.conftest import parsed_check
from tests.process_harness import sample_check

CLAIM_MARK = 'FOR UPDATE OF "pos_receipt" SKIP LOCKED'


def _store(webhook, count: int, prefix: str) -> None:  # type: ignore[no-untyped-def]
    rows = [
        receipt_values(
            parsed_check(sample_check(f"{prefix}-{number}", phone=None)),
            connection_id=webhook.connection.pk,
            restaurant_id=webhook.connection.restaurant_id,
            source="webhook",
        )
        for number in range(count)
    ]
    assert len(insert_new_receipts(rows)) == count


def test_the_claim_is_an_index_scan_of_the_pending_receipts_in_id_order(webhook):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE pos_receipt")  # statistics of an empty table: a new chain's, or a busy one's that lag
    _store(webhook, 400, "C-done")
    while process_pending_receipts():
        pass
    _store(webhook, 5, "C-new")
    plans: list[str] = []

    def explain_the_claim(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if CLAIM_MARK in sql and not sql.startswith(
            "EXPLAIN"
        ):  # in the claim's own transaction, with whatever it set for itself
            with context["connection"].cursor() as cursor:
                cursor.execute(f"EXPLAIN {sql}", params)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain_the_claim):
        assert process_pending_receipts() == 5
    assert plans, "the claim was not seen"
    # One pending-index walk per month partition (named after the index: maxloyalty.db.partitions), merged in id
    # order: nothing read beyond the batch, nothing sorted.
    assert "Index Scan using pos_receipt_pending_idx_" in plans[0], plans[0]
    assert "Merge Append" in plans[0], plans[0]
    assert "Bitmap" not in plans[0] and "Sort  " not in plans[0] and "-> Sort" not in plans[0], plans[0]
