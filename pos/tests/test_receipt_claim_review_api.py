"""POST /api/v1/receipt-claims/{id}/match and /reject: staff settle a claim through the API as on the claims page
(pos.services.claims: the automatic accrual once, a rejection the guest is told, both audited). 409 for a settled
claim, 422 for a receipt that is not one of the claim's possible ones (400 for a body missing it or the reason), 404 outside the member's
claims and on another chain's host, 403 for cashiers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from pos.models import ClaimStatus, Receipt, ReceiptClaim
from pos.services.claims import claim_receipt
from pos.tests.claims import qr_text
from pos.tests.conftest import balance
from tests.checks import CheckSpec, committed_effects, send_checks
from tests.fixtures import api_as


def _audited(claim: ReceiptClaim) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="pos.receiptclaim", object_id=str(claim.pk)).values_list(
            "action", flat=True
        )
    )


def _guestless(world, amount: str, closed, restaurant=None, external_id: str = "") -> Receipt:  # type: ignore[no-untyped-def]
    send_checks(
        world,
        [CheckSpec(total_amount=Decimal(amount), closed_at=closed, restaurant=restaurant, external_id=external_id)],
    )
    return Receipt.objects.order_by("-id").first()  # type: ignore[return-value]


@pytest.fixture
def guest(make_guest, alpha):  # type: ignore[no-untyped-def]
    return make_guest(home_restaurant_id=alpha.restaurants[0].pk, email="claimer@example.com", consents={"email": True})


@pytest.fixture
def waiting(alpha, guest):  # type: ignore[no-untyped-def]
    """A claim of 1000.00 an hour ago no receipt matches: the POS sent 990.00 (a discount the QR lacks)."""
    closed = timezone.now() - timedelta(hours=1)
    near = _guestless(alpha, "990.00", closed + timedelta(minutes=4), external_id="NEAR-1")
    claim = claim_receipt(guest=guest, qr_text=qr_text(closed, document=71), source="bot").claim
    assert claim.status == ClaimStatus.PENDING
    return claim, near


def test_staff_match_a_claim_to_the_chosen_receipt_once_audited(alpha, waiting, guest):
    claim, near = waiting
    api = api_as(alpha, "manager")
    response = api.post(f"/api/v1/receipt-claims/{claim.pk}/match", {"receipt_id": near.pk, "note": "discount"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["points_earned"], body["receipt"]["id"]) == ("matched", 49, near.pk)
    claim.refresh_from_db()
    assert (claim.status, claim.receipt_id, claim.review_note) == (ClaimStatus.MATCHED, near.pk, "discount")
    assert balance(guest) == 49
    assert _audited(claim) == ["receipt_claim.matched"]

    again = api.post(f"/api/v1/receipt-claims/{claim.pk}/match", {"receipt_id": near.pk})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "receipt_claim_settled"
    assert balance(guest) == 49


def test_a_receipt_that_cannot_be_the_claims_is_422_and_nothing_changes(alpha, waiting, guest, make_guest):
    claim, _near = waiting
    closed = timezone.now() - timedelta(hours=1)
    other = _guestless(alpha, "1000.00", closed, restaurant=alpha.restaurants[1], external_id="OTHER-1")
    send_checks(alpha, [CheckSpec(total_amount=Decimal("1000.00"), closed_at=closed, guest=make_guest())])
    with_guest = Receipt.objects.order_by("-id").first()
    assert with_guest is not None
    manager, owner = api_as(alpha, "manager"), api_as(alpha, "owner")
    url = f"/api/v1/receipt-claims/{claim.pk}/match"
    for api, receipt_id in ((manager, other.pk), (owner, with_guest.pk), (owner, 987654321)):
        response = api.post(url, {"receipt_id": receipt_id})
        assert response.status_code == 422, response.content
        assert list(response.json()["error"]["fields"]) == ["receipt_id"]
    assert owner.post(url, {}).status_code == 400  # no receipt named: the input's shape
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING and _audited(claim) == []
    assert balance(guest) == 0


def test_staff_reject_a_claim_with_a_reason_the_guest_is_told(alpha, waiting):
    claim, _near = waiting
    api = api_as(alpha, "admin")
    url = f"/api/v1/receipt-claims/{claim.pk}/reject"
    assert api.post(url, {"reason": ""}).status_code == 400

    with committed_effects():
        response = api.post(url, {"reason": "This receipt is from another cafe."})

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["can_reject"]) == ("refused", False)
    claim.refresh_from_db()
    assert (claim.status, claim.review_note) == (ClaimStatus.REFUSED, "This receipt is from another cafe.")
    assert _audited(claim) == ["receipt_claim.rejected"]
    assert [message.to for message in mail.outbox if "another cafe" in message.body] == [["claimer@example.com"]]
    settled = api.post(url, {"reason": "again"})
    assert settled.status_code == 409 and settled.json()["error"]["code"] == "receipt_claim_settled"


def test_outside_the_members_claims_or_chain_nothing_is_settled(alpha, beta, waiting, make_guest):
    claim, near = waiting
    stranger = make_guest(home_restaurant_id=alpha.restaurants[1].pk)
    closed = timezone.now() - timedelta(hours=2)
    strangers = claim_receipt(guest=stranger, qr_text=qr_text(closed, amount="321.00", document=72), source="bot")
    manager = api_as(alpha, "manager")
    assert manager.post(f"/api/v1/receipt-claims/{strangers.claim.pk}/reject", {"reason": "no"}).status_code == 404
    assert manager.post(f"/api/v1/receipt-claims/{strangers.claim.pk}/match", {"receipt_id": near.pk}).status_code == (
        404
    )
    cashier = api_as(alpha, "cashier")
    assert cashier.post(f"/api/v1/receipt-claims/{claim.pk}/reject", {"reason": "no"}).status_code == 403
    assert cashier.post(f"/api/v1/receipt-claims/{claim.pk}/match", {"receipt_id": near.pk}).status_code == 403
    beta_owner = api_as(beta, "owner")
    assert beta_owner.post(f"/api/v1/receipt-claims/{claim.pk}/reject", {"reason": "no"}).status_code == 404
    assert beta_owner.post(f"/api/v1/receipt-claims/{claim.pk}/match", {"receipt_id": near.pk}).status_code == 404
    with schema_context(alpha.chain.schema_name):  # the last request was on beta's host
        for settled in (claim, strangers.claim):
            settled.refresh_from_db()
            assert settled.status == ClaimStatus.PENDING and _audited(settled) == []
