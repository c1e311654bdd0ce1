"""A refund or cancellation of a processed check writes reversals: earned points go back, spent points return."""

from __future__ import annotations

from django.utils import timezone

from loyalty.models import EntryKind, LedgerEntry
from loyalty.services import adjust_points
from pos.models import Receipt
from pos.tests.conftest import balance, check_payload, ledger_sum, process_everything, receipt


def _refund(external_id: str) -> dict:
    return {"external_id": external_id, "status": "refunded", "closed_at": "2026-11-25T20:10:00+03:00"}


def test_refund_of_a_processed_check_takes_the_earned_points_back(webhook, guest):
    webhook.post(check_payload("F-1", guest=guest))
    process_everything()
    assert balance(guest) == 50
    response = webhook.post(_refund("F-1"))
    assert response.status_code == 202
    process_everything()
    refund = receipt("F-1", "refund")
    assert refund.status == "processed"
    assert refund.outcome_reason == "reversed"
    assert refund.refund_of == receipt("F-1")
    assert refund.points_earned == -50
    assert balance(guest) == 0 == ledger_sum(guest)
    assert LedgerEntry.objects.filter(guest=guest, kind=EntryKind.REVERSAL).count() == 1


def test_refund_returns_points_that_were_spent_on_the_check(webhook, guest):
    adjust_points(guest=guest, points=300, reason="seed", actor=None, idempotency_key="seed-300")
    webhook.post(check_payload("F-2", guest=guest, points_to_spend=200))
    process_everything()
    sale = receipt("F-2")
    assert sale.points_spent == 200
    webhook.post(_refund("F-2"))
    process_everything()
    refund = receipt("F-2", "refund")
    assert refund.points_spent == -200
    assert refund.points_earned == -sale.points_earned
    assert balance(guest) == 300 == ledger_sum(guest)


def test_second_refund_delivery_changes_nothing(webhook, guest):
    webhook.post(check_payload("F-3", guest=guest))
    process_everything()
    webhook.post(_refund("F-3"))
    process_everything()
    again = webhook.post(_refund("F-3"))
    assert again.status_code == 200
    assert again.json()["status"] == "processed"
    process_everything()
    assert Receipt.objects.filter(external_id="F-3", operation="refund").count() == 1
    assert LedgerEntry.objects.filter(guest=guest, kind=EntryKind.REVERSAL).count() == 1
    assert balance(guest) == 0


def test_cancelled_status_is_a_refund_too(webhook, guest):
    webhook.post(check_payload("F-4", guest=guest))
    process_everything()
    webhook.post(_refund("F-4") | {"status": "cancelled"})
    process_everything()
    assert receipt("F-4", "refund").outcome_reason == "reversed"
    assert balance(guest) == 0


def test_refund_arriving_before_its_sale_is_applied_as_soon_as_the_sale_is(webhook, guest):
    webhook.post(_refund("F-5"))
    process_everything()
    early = receipt("F-5", "refund")
    assert (early.status, early.outcome_reason) == ("failed", "original_not_found")
    assert early.next_attempt_at > timezone.now()  # waiting out its backoff
    webhook.post(check_payload("F-5", guest=guest))
    process_everything()  # no waiting for the backoff or for beat's next tick
    assert receipt("F-5").status == "processed"
    assert LedgerEntry.objects.filter(guest=guest, kind=EntryKind.ACCRUAL, points=50).exists()
    assert receipt("F-5", "refund").outcome_reason == "reversed"
    assert balance(guest) == 0 == ledger_sum(guest)


def test_a_refund_waiting_for_another_sale_keeps_waiting(webhook, guest):
    webhook.post(_refund("F-8"))
    process_everything()
    webhook.post(check_payload("F-9", guest=guest))
    process_everything()
    waiting = receipt("F-8", "refund")
    assert (waiting.status, waiting.outcome_reason) == ("failed", "original_not_found")
    assert waiting.next_attempt_at > timezone.now()


def test_refund_of_a_check_without_guest_reverses_nothing(webhook):
    webhook.post(check_payload("F-6"))
    process_everything()
    webhook.post(_refund("F-6"))
    process_everything()
    assert receipt("F-6", "refund").outcome_reason == "nothing_to_reverse"


def test_sale_and_refund_in_one_batch_end_with_nothing_earned(webhook, guest):
    webhook.post(check_payload("F-7", guest=guest))
    webhook.post(_refund("F-7"))
    process_everything()
    assert receipt("F-7").status == "processed"
    assert receipt("F-7", "refund").outcome_reason == "reversed"
    assert balance(guest) == 0 == ledger_sum(guest)
