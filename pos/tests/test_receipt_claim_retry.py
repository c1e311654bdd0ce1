"""A claim the POS data cannot confirm yet waits: the POS tick matches it when the receipt arrives late, and past the
claim window it expires and the guest is told, once."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.test import override_settings
from django.utils import timezone

from messaging.models import Message
from pos.models import ClaimStatus, ReceiptClaim, ReceiptStatus
from pos.services.claims import claim_receipt, retry_pending_claims
from pos.tasks import pos_chain_tick
from pos.tests.claims import fiscal_of, qr_text, send_guestless_check
from pos.tests.conftest import balance, check_payload, process_everything, receipt
from tests.checks import committed_effects


def test_late_pos_data_matches_the_waiting_claim_on_the_next_tick(webhook, guest):
    closed = timezone.now() - timedelta(minutes=30)
    claim = claim_receipt(guest=guest, qr_text=qr_text(closed, document=41, sign=4141), source="bot").claim
    assert claim.status == ClaimStatus.PENDING and balance(guest) == 0

    send_guestless_check(webhook, "L-1", closed_at=closed, fiscal=fiscal_of(41, 4141))  # the POS was offline
    assert retry_pending_claims(now=timezone.now() + timedelta(minutes=3)) == 1

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.MATCHED and claim.points_earned == 50
    assert receipt("L-1").guest == guest
    assert balance(guest) == 50
    assert retry_pending_claims(now=timezone.now() + timedelta(minutes=6)) == 0  # matched claims are left alone
    assert balance(guest) == 50


def test_the_per_chain_pos_tick_retries_waiting_claims(webhook, guest):
    closed = timezone.now() - timedelta(minutes=30)
    claim_receipt(guest=guest, qr_text=qr_text(closed), source="bot", now=timezone.now() - timedelta(minutes=5))
    send_guestless_check(webhook, "L-3", closed_at=closed)
    pos_chain_tick()
    assert receipt("L-3").guest == guest
    assert balance(guest) == 50


def test_a_claim_is_not_retried_before_its_pause(webhook, guest):
    closed = timezone.now() - timedelta(minutes=30)
    claim_receipt(guest=guest, qr_text=qr_text(closed), source="bot")
    send_guestless_check(webhook, "L-2", closed_at=closed)
    assert retry_pending_claims(now=timezone.now()) == 0
    assert retry_pending_claims(now=timezone.now() + timedelta(minutes=3)) == 1
    assert balance(guest) == 50


@override_settings(RECEIPT_CLAIM_WINDOW_HOURS=48)
def test_an_unmatched_claim_expires_after_the_window_and_the_guest_is_told_once(make_guest):
    guest = make_guest(email="claim@example.com", consents={"email": True})
    closed = timezone.now() - timedelta(hours=47)
    claim = claim_receipt(guest=guest, qr_text=qr_text(closed, amount="777.00"), source="bot").claim

    with committed_effects():
        assert retry_pending_claims(now=timezone.now() + timedelta(hours=2)) == 1
        assert retry_pending_claims(now=timezone.now() + timedelta(hours=3)) == 0

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.EXPIRED
    assert Message.objects.filter(guest=guest, kind="receipt_claim").count() == 1
    sent = [message for message in mail.outbox if "claim@example.com" in message.to]
    assert len(sent) == 1
    assert "777.00" in sent[0].body and "баллы за него не начислены" in sent[0].body  # the guest's language: Russian
    assert balance(guest) == 0
    assert ReceiptClaim.objects.filter(status=ClaimStatus.PENDING).count() == 0


def test_a_late_receipt_is_matched_only_once_the_pipeline_has_processed_it(webhook, guest):
    closed = timezone.now() - timedelta(minutes=30)
    claim = claim_receipt(guest=guest, qr_text=qr_text(closed, document=42, sign=4242), source="bot").claim
    payload = check_payload("L-4", closed_at=closed.isoformat(), opened_at=None) | {"fiscal": fiscal_of(42, 4242)}
    assert webhook.post(payload).status_code in (200, 201, 202)
    assert receipt("L-4").status == ReceiptStatus.RECEIVED  # arrived, not processed by the drain yet

    assert retry_pending_claims(now=timezone.now() + timedelta(minutes=3)) == 0
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING and claim.attempts == 2

    process_everything()
    assert retry_pending_claims(now=timezone.now() + timedelta(minutes=6)) == 1
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.MATCHED
    assert balance(guest) == 50


def test_a_claim_waits_while_its_window_lasts_and_the_guest_is_not_told(make_guest):
    guest = make_guest(email="waiting@example.com", consents={"email": True})
    closed = timezone.now() - timedelta(hours=10)
    claim = claim_receipt(guest=guest, qr_text=qr_text(closed, amount="555.00"), source="bot").claim
    with committed_effects():
        assert retry_pending_claims(now=timezone.now() + timedelta(hours=30)) == 0  # 40 h after the visit of 48
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING
    assert not Message.objects.filter(guest=guest, kind="receipt_claim").exists()
    assert [message for message in mail.outbox if "waiting@example.com" in message.to] == []


@override_settings(RECEIPT_CLAIM_WINDOW_HOURS=48)
def test_a_receipt_arriving_after_the_claim_expired_is_not_matched(webhook, guest):
    closed = timezone.now() - timedelta(hours=47)
    claim = claim_receipt(guest=guest, qr_text=qr_text(closed, document=43, sign=4343), source="bot").claim
    assert retry_pending_claims(now=timezone.now() + timedelta(hours=2)) == 1  # expired

    send_guestless_check(webhook, "L-5", closed_at=closed, fiscal=fiscal_of(43, 4343))
    assert retry_pending_claims(now=timezone.now() + timedelta(hours=3)) == 0

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.EXPIRED and claim.receipt_id is None
    assert receipt("L-5").guest is None
    assert balance(guest) == 0
