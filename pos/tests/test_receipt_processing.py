"""A received check becomes points once: the guest is found, the loyalty rules apply, the receipt records it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guests.models import Visit
from guests.services import block_guest
from loyalty.models import AppliedCheck, LedgerEntry
from loyalty.services import adjust_points
from pos.models import Receipt, ReceiptStatus
from pos.services import process_pending_receipts, rerun_receipt
from pos.services.receipts import MAX_ATTEMPTS
from pos.tests.conftest import balance, check_payload, ledger_sum, process_everything, receipt


def test_check_with_a_known_guest_earns_points_and_records_the_visit(webhook, guest):
    webhook.post(check_payload("P-1", guest=guest))
    assert process_everything() == 1
    stored = receipt("P-1")
    assert stored.status == ReceiptStatus.PROCESSED
    assert stored.guest == guest
    assert stored.points_earned == 50  # 5 % of 1000.00 at one rouble a point
    assert balance(guest) == 50 == ledger_sum(guest)
    visit = Visit.objects.get(guest=guest)
    assert visit.receipt_id == stored.pk
    assert stored.visit_id == visit.pk
    assert str(visit.check_amount) == "1000.00"


def _statements_of_a_batch(webhook, make_guest, size: int, prefix: str) -> list[str]:
    guests = [make_guest() for _ in range(size)]
    for index, guest in enumerate(guests):
        webhook.post(check_payload(f"{prefix}-{index}", guest=guest))
    with CaptureQueriesContext(connection) as captured:
        assert process_pending_receipts() == size
    assert all(balance(guest) == 50 for guest in guests)
    return [query["sql"] for query in captured]


def test_a_batch_costs_the_same_statements_whatever_its_size(webhook, make_guest):
    """Claim (with its plan setting), restaurants, guests, accounts (created on first use), earlier keys, the rows, the outcomes,
    refunds waiting for these sales: a fixed number of statements per batch, none per receipt."""
    _statements_of_a_batch(webhook, make_guest, 1, "Q-warm")  # the program and promos are read once, then cached
    small = _statements_of_a_batch(webhook, make_guest, 2, "Q-small")
    large = _statements_of_a_batch(webhook, make_guest, 20, "Q-large")
    assert len(small) == len(large) <= 21, large


@pytest.mark.parametrize("identifier", ["phone", "card", "qr"])
def test_guest_is_found_by_phone_card_or_qr(webhook, guest, identifier):
    value = {"phone": guest.phone, "card": guest.card_number, "qr": guest.qr_token}[identifier]
    webhook.post(check_payload(f"P-2-{identifier}") | {"guest": {identifier: value}})
    process_everything()
    assert receipt(f"P-2-{identifier}").guest == guest
    assert balance(guest) == 50


def test_second_delivery_of_same_check_changes_nothing(webhook, guest):
    webhook.post(check_payload("P-3", guest=guest))
    process_everything()
    webhook.post(check_payload("P-3", guest=guest))
    process_everything()
    assert Receipt.objects.filter(external_id="P-3").count() == 1
    assert AppliedCheck.objects.filter(guest=guest).count() == 1
    assert balance(guest) == 50 == ledger_sum(guest)


def test_check_without_guest_is_stored_counted_and_earns_nothing(webhook):
    response = webhook.post(check_payload("P-4"))
    assert response.status_code == 202
    process_everything()
    stored = receipt("P-4")
    assert (stored.status, stored.outcome_reason, stored.points_earned) == ("processed", "no_guest", 0)
    assert str(stored.total_amount) == "1000.00"
    assert not LedgerEntry.objects.exists()


def test_check_of_an_unknown_guest_is_processed_with_the_reason(webhook):
    webhook.post(check_payload("P-5") | {"guest": {"phone": "+79160000001"}})
    process_everything()
    stored = receipt("P-5")
    assert (stored.status, stored.outcome_reason, stored.guest) == ("processed", "guest_not_found", None)


def test_redemption_beyond_the_allowed_share_spends_the_allowed_part_and_says_why(webhook, guest):
    adjust_points(guest=guest, points=2000, reason="test balance", actor=None, idempotency_key="seed-2000")
    webhook.post(check_payload("P-6", guest=guest, points_to_spend=900))
    process_everything()
    stored = receipt("P-6")
    assert stored.status == ReceiptStatus.PROCESSED
    assert stored.points_requested == 900
    assert stored.points_spent == 500  # at most 50 % of the check can be paid with points
    assert stored.outcome_reason == "redemption_limited"
    assert stored.outcome_detail
    assert balance(guest) == ledger_sum(guest) == 2000 - 500 + stored.points_earned


def test_blocked_guest_gets_nothing_and_the_receipt_says_so(webhook, guest):
    guest = block_guest(access=None, guest=guest, reason="test")
    webhook.post(check_payload("P-7", guest=guest))
    process_everything()
    stored = receipt("P-7")
    assert (stored.status, stored.outcome_reason, stored.points_earned) == ("processed", "guest_not_active", 0)


def test_an_unexpected_failure_marks_the_receipt_failed_and_schedules_a_retry(webhook, guest, monkeypatch):
    def broken(items):
        raise RuntimeError("ledger unavailable")

    monkeypatch.setattr("pos.services.receipts.batches.apply_checks", broken)
    webhook.post(check_payload("P-8", guest=guest))
    before = timezone.now()
    process_everything()
    stored = receipt("P-8")
    assert stored.status == ReceiptStatus.FAILED
    assert "ledger unavailable" in stored.last_error
    assert stored.attempts == 1
    assert stored.next_attempt_at >= before + timedelta(seconds=29)
    assert process_pending_receipts() == 0  # not due yet: nothing is retried before its time


def test_failed_receipt_is_retried_when_due_and_then_succeeds(webhook, guest, monkeypatch):
    state = {"broken": True}
    from loyalty.services import apply_checks

    def flaky(items):
        if state["broken"]:
            raise RuntimeError("deadlock detected")
        return apply_checks(items)

    monkeypatch.setattr("pos.services.receipts.batches.apply_checks", flaky)
    webhook.post(check_payload("P-9", guest=guest))
    process_everything()
    state["broken"] = False
    Receipt.objects.filter(external_id="P-9").update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    process_everything()
    stored = receipt("P-9")
    assert (stored.status, stored.attempts, stored.points_earned) == ("processed", 2, 50)
    assert balance(guest) == 50


def test_retries_stop_after_the_last_attempt(webhook, guest, monkeypatch):
    monkeypatch.setattr("pos.services.receipts.batches.apply_checks", lambda items: 1 / 0)
    webhook.post(check_payload("P-10", guest=guest))
    for _attempt in range(MAX_ATTEMPTS):
        Receipt.objects.filter(external_id="P-10").update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        process_everything()
    stored = receipt("P-10")
    assert (stored.status, stored.attempts, stored.next_attempt_at) == ("failed", MAX_ATTEMPTS, None)


def test_a_failure_of_one_receipt_does_not_undo_the_others_in_its_batch(webhook, make_guest, monkeypatch):
    good, bad = make_guest(), make_guest()
    from loyalty.services import apply_checks

    def picky(items):
        if any(item.guest.pk == bad.pk for item in items):
            raise RuntimeError("bad guest row")
        return apply_checks(items)

    monkeypatch.setattr("pos.services.receipts.batches.apply_checks", picky)
    webhook.post(check_payload("B-1", guest=good))
    webhook.post(check_payload("B-2", guest=bad))
    webhook.post(check_payload("B-3", guest=good, closed_at="2026-11-25T20:00:00+03:00"))
    process_everything()
    assert [receipt(name).status for name in ("B-1", "B-2", "B-3")] == ["processed", "failed", "processed"]
    assert balance(good) == 100 == ledger_sum(good)


def test_rerun_of_a_failed_receipt_processes_it_again(
    webhook, guest, alpha, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("pos.services.receipts.batches.apply_checks", lambda items: 1 / 0)
    webhook.post(check_payload("P-11", guest=guest))
    process_everything()
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        rerun_receipt(receipt=receipt("P-11"), actor=alpha.user("owner"))
    stored = receipt("P-11")
    assert (stored.status, stored.points_earned) == ("processed", 50)


def test_rerun_after_the_guest_registered_earns_the_points(webhook, make_guest, alpha):
    webhook.post(check_payload("P-12") | {"guest": {"phone": "+79160000002"}})
    process_everything()
    assert receipt("P-12").outcome_reason == "guest_not_found"
    guest = make_guest(phone="+79160000002")
    rerun_receipt(receipt=receipt("P-12"), actor=alpha.user("owner"))
    process_everything()
    assert receipt("P-12").guest == guest
    assert balance(guest) == 50


def test_a_processed_receipt_with_points_cannot_be_rerun(webhook, guest, alpha):
    from pos.errors import ReceiptNotRerunnable

    webhook.post(check_payload("P-13", guest=guest))
    process_everything()
    with pytest.raises(ReceiptNotRerunnable):
        rerun_receipt(receipt=receipt("P-13"), actor=alpha.user("owner"))
