"""A drain's batch announces what it finished (pos.events.receipts_processed) once, after its commit: every receipt,
with or without a guest, processed or failed, so receivers (analytics' totals, ...) miss none of them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pos.events import ProcessedReceipt, receipts_processed
from pos.models import Receipt
from pos.services import process_pending_receipts, rerun_receipt
from pos.tests.conftest import check_payload, receipt


@pytest.fixture
def heard() -> Iterator[list[list[ProcessedReceipt]]]:
    batches: list[list[ProcessedReceipt]] = []

    def listen(sender: type, receipts: list[ProcessedReceipt], **kwargs: Any) -> None:
        assert sender is Receipt
        batches.append(receipts)

    receipts_processed.connect(listen, weak=False)
    yield batches
    receipts_processed.disconnect(listen)


def _announced(receipts: list[ProcessedReceipt]) -> dict[str, tuple[str, int | None]]:
    external_ids = dict(Receipt.objects.values_list("pk", "external_id"))
    return {external_ids[item.receipt_id]: (item.status, item.guest_id) for item in receipts}


def test_a_batch_announces_each_receipt_once_after_commit(
    webhook, guest, make_guest, heard, django_capture_on_commit_callbacks
):
    webhook.post(check_payload("EV-1", guest=guest))
    webhook.post(check_payload("EV-2"))  # no guest named
    webhook.post({"external_id": "EV-9", "status": "refunded", "closed_at": "2026-11-25T20:10:00+03:00"})

    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        assert process_pending_receipts() == 3
    assert heard == []  # nothing is announced before the batch commits
    for callback in after_commit:
        callback()

    assert len(heard) == 1
    assert _announced(heard[0]) == {
        "EV-1": ("processed", guest.pk),
        "EV-2": ("processed", None),
        "EV-9": ("failed", None),  # a refund of a sale never received: failed, retried later
    }
    stored = receipt("EV-1")
    (first,) = [item for item in heard[0] if item.receipt_id == stored.pk]
    assert (first.restaurant_id, first.received_at) == (stored.restaurant_id, stored.received_at)


def test_a_receipt_run_again_by_staff_is_announced_by_the_drain_that_processes_it(
    webhook, make_guest, alpha, heard, django_capture_on_commit_callbacks
):
    payload = check_payload("EV-3")
    payload["guest"] = {"phone": "+79169990001"}  # nobody has registered with it yet
    webhook.post(payload)
    with django_capture_on_commit_callbacks(execute=True):
        process_pending_receipts()
    assert _announced(heard.pop()) == {"EV-3": ("processed", None)}
    newcomer = make_guest(phone="+79169990001")

    rerun_receipt(receipt=receipt("EV-3"), actor=alpha.user("owner"))
    assert heard == []  # the rerun itself processes nothing
    with django_capture_on_commit_callbacks(execute=True):
        process_pending_receipts()
    assert [_announced(batch) for batch in heard] == [{"EV-3": ("processed", newcomer.pk)}]
