"""A guest's claim from the fiscal receipt's QR finds the receipt the POS sent without a guest, by its fiscal document
or by sum and time, and accrues it once as if the card had been shown; a doubtful or refused claim earns nothing."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from maxloyalty.errors import ValidationFailed
from pos.errors import (
    ClaimLimitReached,
    ClaimNotASale,
    ClaimReceiptInTheFuture,
    ClaimWindowPassed,
    ReceiptAlreadyClaimed,
    ReceiptRefunded,
)
from pos.models import ClaimStatus, ReceiptClaim
from pos.services.claims import claim_receipt
from pos.tests.claims import fiscal_of, qr_text, send_guestless_check
from pos.tests.conftest import balance, ledger_sum, receipt
from restaurants.services import create_restaurant
from tests.checks import CheckSpec, send_checks


def test_exact_fiscal_match_accrues_the_points_once(webhook, guest):
    closed = timezone.now() - timedelta(hours=2)
    send_guestless_check(webhook, "F-1", closed_at=closed, fiscal=fiscal_of(7, 777))
    result = claim_receipt(guest=guest, qr_text=qr_text(closed, document=7, sign=777), source="bot")
    assert result.matched
    assert result.claim.points_earned == 50
    assert balance(guest) == 50 == ledger_sum(guest)
    stored = receipt("F-1")
    assert stored.guest == guest and stored.points_earned == 50 and stored.outcome_reason == "claimed"
    with pytest.raises(ReceiptAlreadyClaimed):
        claim_receipt(guest=guest, qr_text=qr_text(closed, document=7, sign=777), source="bot")
    assert balance(guest) == 50


def test_the_fiscal_document_decides_even_when_the_clock_of_the_till_differs(webhook, guest):
    closed = timezone.now() - timedelta(hours=3)
    send_guestless_check(webhook, "F-2", closed_at=closed, fiscal=fiscal_of(8, 888))
    result = claim_receipt(
        guest=guest, qr_text=qr_text(closed - timedelta(minutes=45), document=8, sign=888), source="bot"
    )
    assert result.matched and balance(guest) == 50


def test_without_fiscal_data_the_only_receipt_of_that_sum_near_that_time_is_matched(webhook, guest):
    closed = timezone.now() - timedelta(hours=1)
    send_guestless_check(webhook, "S-1", closed_at=closed)
    send_guestless_check(webhook, "S-other-time", closed_at=closed - timedelta(minutes=40))
    result = claim_receipt(guest=guest, qr_text=qr_text(closed + timedelta(minutes=3)), source="mini_app")
    assert result.matched
    assert receipt("S-1").guest == guest
    assert receipt("S-other-time").guest is None
    assert balance(guest) == 50


def test_a_different_sum_is_not_matched(webhook, guest):
    closed = timezone.now() - timedelta(hours=1)
    send_guestless_check(webhook, "S-2", closed_at=closed)
    result = claim_receipt(guest=guest, qr_text=qr_text(closed, amount="999.00"), source="bot")
    assert not result.matched and result.claim.status == ClaimStatus.PENDING
    assert balance(guest) == 0


def test_two_receipts_that_fit_are_not_guessed_between(webhook, guest):
    closed = timezone.now() - timedelta(hours=1)
    send_guestless_check(webhook, "A-1", closed_at=closed)
    send_guestless_check(webhook, "A-2", closed_at=closed + timedelta(minutes=2))
    result = claim_receipt(guest=guest, qr_text=qr_text(closed), source="bot")
    assert not result.matched and result.claim.status == ClaimStatus.PENDING
    assert receipt("A-1").guest is None and receipt("A-2").guest is None
    assert balance(guest) == 0


def test_a_receipt_shown_with_a_card_cannot_be_claimed_again(webhook, guest, make_guest):
    closed = timezone.now() - timedelta(hours=1)
    owner = make_guest()
    send_guestless_check(webhook, "C-1", closed_at=closed, fiscal=fiscal_of(9, 999), guest=owner)
    with pytest.raises(ReceiptAlreadyClaimed):
        claim_receipt(guest=guest, qr_text=qr_text(closed, document=9, sign=999), source="bot")
    assert balance(guest) == 0 and balance(owner) == 50
    assert not ReceiptClaim.objects.filter(guest=guest).exists()


def test_one_receipt_matched_by_sum_earns_once_whoever_claims_it(webhook, guest, make_guest):
    closed = timezone.now() - timedelta(hours=1)
    send_guestless_check(webhook, "O-1", closed_at=closed)
    assert claim_receipt(guest=guest, qr_text=qr_text(closed, document=21), source="bot").matched
    other = make_guest()
    late = claim_receipt(guest=other, qr_text=qr_text(closed, document=22), source="bot")
    assert not late.matched
    assert balance(guest) == 50 and balance(other) == 0


def test_a_refunded_check_earns_nothing_by_its_fiscal_document_or_by_sum(webhook, guest):
    closed = timezone.now() - timedelta(hours=1)
    send_guestless_check(webhook, "R-1", closed_at=closed, fiscal=fiscal_of(81, 8181))
    send_guestless_check(webhook, "R-1", closed_at=closed, status="refunded")
    with pytest.raises(ReceiptRefunded):
        claim_receipt(guest=guest, qr_text=qr_text(closed, document=81, sign=8181), source="bot")
    send_guestless_check(webhook, "R-2", closed_at=closed - timedelta(hours=2))
    send_guestless_check(webhook, "R-2", closed_at=closed - timedelta(hours=2), status="refunded")
    result = claim_receipt(guest=guest, qr_text=qr_text(closed - timedelta(hours=2), document=82), source="bot")
    assert not result.matched
    assert balance(guest) == 0


def test_a_refund_receipt_is_refused(guest):
    with pytest.raises(ClaimNotASale):
        claim_receipt(guest=guest, qr_text=qr_text(timezone.now(), kind=2), source="bot")


@override_settings(RECEIPT_CLAIM_WINDOW_HOURS=48)
def test_a_receipt_older_than_the_window_is_refused_and_nothing_is_kept(guest):
    with pytest.raises(ClaimWindowPassed) as refused:
        claim_receipt(guest=guest, qr_text=qr_text(timezone.now() - timedelta(hours=49)), source="bot")
    assert "48" in str(refused.value.message)
    assert not ReceiptClaim.objects.exists()


def test_a_receipt_dated_beyond_any_time_zone_of_the_chain_is_refused(guest):
    with pytest.raises(ClaimReceiptInTheFuture):
        claim_receipt(guest=guest, qr_text=qr_text(timezone.now() + timedelta(hours=16)), source="bot")
    assert not ReceiptClaim.objects.exists()


def test_a_malformed_qr_is_refused_and_nothing_is_kept(guest):
    with pytest.raises(ValidationFailed):
        claim_receipt(guest=guest, qr_text="t=tomorrow&s=lots", source="bot")
    assert not ReceiptClaim.objects.exists()


@override_settings(RECEIPT_CLAIM_DAILY_LIMIT=2)
def test_a_guest_claims_at_most_the_daily_limit(guest, make_guest):
    now = timezone.now()
    for document in (31, 32):
        claim_receipt(guest=guest, qr_text=qr_text(now - timedelta(minutes=5), document=document), source="bot")
    with pytest.raises(ClaimLimitReached):
        claim_receipt(guest=guest, qr_text=qr_text(now - timedelta(minutes=5), document=33), source="bot")
    assert ReceiptClaim.objects.filter(guest=guest).count() == 2
    # Another guest is not held back by this one's claims.
    claim_receipt(guest=make_guest(), qr_text=qr_text(now - timedelta(minutes=5), document=33), source="bot")


def test_a_restaurant_in_another_time_zone_is_matched_by_its_own_local_time(alpha, guest):
    far_east = create_restaurant(
        actor=alpha.user("owner"), name="Alpha Far East", address="Port st. 3", time_zone="Asia/Vladivostok"
    )
    closed = timezone.now() - timedelta(hours=1)
    send_checks(alpha, [CheckSpec(total_amount=Decimal("1000.00"), closed_at=closed, restaurant=far_east)])
    till_time = timezone.localtime(closed, zoneinfo.ZoneInfo("Asia/Vladivostok"))  # what its receipt prints
    qr = f"t={till_time:%Y%m%dT%H%M}&s=1000.00&fn=9960440300000001&i=91&fp=9191&n=1"
    result = claim_receipt(guest=guest, qr_text=qr, source="bot")
    assert result.matched and result.claim.restaurant_id == far_east.pk
    assert balance(guest) == 50
