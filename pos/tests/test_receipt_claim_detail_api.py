"""GET /api/v1/receipt-claims/{id} shows a claim as the claims page does: its QR's fields, its receipt once matched,
and while open the guest-less receipts it may be for (same sum first) with the actions it allows. Owners and admins
see every claim, managers theirs (404 for others), cashiers none (403); a claim never shows on another chain's
host."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from pos.models import ClaimStatus, Receipt
from pos.services.claims import claim_receipt
from pos.tests.claims import FISCAL_DRIVE, qr_text
from tests.checks import CheckSpec, register_guest, send_checks
from tests.fixtures import api_as


def _guestless(world, amount: str, closed, restaurant=None, external_id: str = "") -> Receipt:  # type: ignore[no-untyped-def]
    send_checks(
        world,
        [CheckSpec(total_amount=Decimal(amount), closed_at=closed, restaurant=restaurant, external_id=external_id)],
    )
    return Receipt.objects.order_by("-id").first()  # type: ignore[return-value]


@pytest.fixture
def guest(make_guest, alpha):  # type: ignore[no-untyped-def]
    """A guest of the manager's restaurant (restaurants[0]), so the manager may see their waiting claims."""
    return make_guest(home_restaurant_id=alpha.restaurants[0].pk)


@pytest.fixture
def waiting(alpha, guest):  # type: ignore[no-untyped-def]
    """A claim of 1000.00 an hour ago no receipt matches: the POS sent 990.00 and, later, another of 1000.00."""
    closed = timezone.now() - timedelta(hours=1)
    near = _guestless(alpha, "990.00", closed + timedelta(minutes=4), external_id="NEAR-1")
    claim = claim_receipt(guest=guest, qr_text=qr_text(closed, document=91), source="bot").claim
    assert claim.status == ClaimStatus.PENDING
    same_sum = _guestless(alpha, "1000.00", closed + timedelta(minutes=50), external_id="SAME-1")
    return claim, near, same_sum


@pytest.mark.parametrize("role", ["owner", "admin", "manager"])
def test_the_claim_shows_its_qr_and_the_receipts_it_may_be_for(alpha, waiting, role):
    claim, near, same_sum = waiting
    response = api_as(alpha, role).get(f"/api/v1/receipt-claims/{claim.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["total_amount"]) == (claim.pk, "pending", "1000.00")
    assert (body["fiscal_drive"], body["document_number"], body["fiscal_key"]) == (
        FISCAL_DRIVE,
        "91",
        claim.fiscal_key,
    )
    assert (body["receipt"], body["can_match"], body["can_reject"]) == (None, True, True)
    candidates = [(row["receipt"]["id"], row["is_same_sum"], row["fits"]) for row in body["candidates"]]
    assert candidates == [(same_sum.pk, True, False), (near.pk, False, False)]  # the QR's sum first
    assert body["candidates"][1]["receipt"]["external_id"] == "NEAR-1"
    assert body["candidates"][1]["minutes_apart"] == 4


def test_a_matched_claim_shows_its_receipt_and_no_candidates(alpha, guest):
    closed = timezone.now() - timedelta(hours=1)
    sold = _guestless(alpha, "500.00", closed, external_id="SOLD-1")
    claim = claim_receipt(guest=guest, qr_text=qr_text(closed, amount="500.00", document=92), source="bot").claim
    assert claim.status == ClaimStatus.MATCHED
    body = api_as(alpha, "owner").get(f"/api/v1/receipt-claims/{claim.pk}").json()
    assert (body["receipt"]["id"], body["receipt"]["external_id"]) == (sold.pk, "SOLD-1")
    assert (body["candidates"], body["can_match"], body["can_reject"]) == ([], False, False)


def test_a_manager_gets_404_outside_their_claims_and_a_cashier_403(alpha, waiting, make_guest):
    claim, _near, _same = waiting
    stranger = make_guest(home_restaurant_id=alpha.restaurants[1].pk)
    closed = timezone.now() - timedelta(hours=2)
    strangers = claim_receipt(guest=stranger, qr_text=qr_text(closed, amount="321.00", document=93), source="bot")
    manager = api_as(alpha, "manager")
    refused = manager.get(f"/api/v1/receipt-claims/{strangers.claim.pk}")
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "receipt_claim_not_found"
    assert manager.get("/api/v1/receipt-claims/999999").status_code == 404
    assert api_as(alpha, "cashier").get(f"/api/v1/receipt-claims/{claim.pk}").status_code == 403


def test_a_claim_stays_in_its_chain_both_ways(alpha, beta, waiting):
    claim, _near, _same = waiting
    assert api_as(beta, "owner").get(f"/api/v1/receipt-claims/{claim.pk}").status_code == 404
    with schema_context(beta.chain.schema_name):
        closed = timezone.now() - timedelta(hours=3)
        betas = claim_receipt(guest=register_guest(), qr_text=qr_text(closed, document=94), source="bot").claim
    assert api_as(beta, "owner").get(f"/api/v1/receipt-claims/{betas.pk}").status_code == 200
    on_alpha = api_as(alpha, "owner").get(f"/api/v1/receipt-claims/{betas.pk}")
    # 404, or (the same id in alpha's own sequence) alpha's own claim: never beta's document.
    assert on_alpha.status_code == 404 or on_alpha.json()["document_number"] != "94"
