"""The receipt claims' staff pages: owners and admins see every claim, managers those matched in their restaurants
and the waiting ones of their restaurants' guests, cashiers none; a claim shows its QR's fields and the receipts it may be for; staff match a claim to
a chosen guest-less receipt (the automatic accrual, once) or reject it with a reason the guest is told, both
audited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from audit.models import AuditEntry
from pos.models import ClaimStatus, Receipt, ReceiptClaim
from pos.services.claims import claim_receipt, retry_pending_claims
from pos.tests.claims import qr_text
from pos.tests.conftest import balance
from tests.checks import CheckSpec, committed_effects, send_checks
from tests.fixtures import signed_in_client


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
    """A guest of the manager's restaurant (restaurants[0]), so the manager may see their waiting claims."""
    return make_guest(home_restaurant_id=alpha.restaurants[0].pk)


@pytest.fixture
def waiting(alpha, guest):  # type: ignore[no-untyped-def]
    """A claim of 1000.00 an hour ago that no receipt matches: the POS sent 990.00 (a discount the QR lacks)."""
    closed = timezone.now() - timedelta(hours=1)
    near = _guestless(alpha, "990.00", closed + timedelta(minutes=4), external_id="NEAR-1")
    claim = claim_receipt(guest=guest, qr_text=qr_text(closed, document=81), source="bot").claim
    assert claim.status == ClaimStatus.PENDING
    return claim, near


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_and_admin_see_the_claim_its_qr_and_the_receipts_it_may_be_for(alpha, waiting, role):
    claim, near = waiting
    client = signed_in_client(alpha, role)
    listing = client.get("/receipt-claims/")
    assert listing.status_code == 200
    assert f'data-testid="claim-{claim.pk}"' in listing.content.decode()
    detail = client.get(f"/receipt-claims/{claim.pk}/").content.decode()
    assert claim.fiscal_drive in detail and "1000.00" in detail
    assert f'data-testid="candidate-{near.pk}"' in detail and "NEAR-1" in detail


def test_the_list_filters_by_status_restaurant_and_visit_day(alpha, waiting, guest):
    claim, _near = waiting
    closed = timezone.now() - timedelta(hours=2)
    _guestless(alpha, "500.00", closed, restaurant=alpha.restaurants[1])
    matched = claim_receipt(guest=guest, qr_text=qr_text(closed, amount="500.00", document=82), source="bot").claim
    assert matched.status == ClaimStatus.MATCHED
    client = signed_in_client(alpha, "owner")

    def shown(query: str) -> set[int]:
        page = client.get("/receipt-claims/" + query).content.decode()
        return {pk for pk in (claim.pk, matched.pk) if f'data-testid="claim-{pk}"' in page}

    assert shown("") == {claim.pk, matched.pk}
    assert shown("?status=pending") == {claim.pk}
    assert shown(f"?restaurant={alpha.restaurants[1].pk}") == {matched.pk}
    tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()
    assert shown(f"?date_from={tomorrow}") == set()
    assert shown(f"?date_to={(timezone.localdate() - timedelta(days=3)).isoformat()}") == set()


def test_a_manager_sees_their_restaurants_claims_and_their_guests_waiting_ones_and_a_cashier_nothing(
    alpha, waiting, guest, make_guest
):
    claim, _near = waiting
    closed = timezone.now() - timedelta(hours=2)
    _guestless(alpha, "500.00", closed, restaurant=alpha.restaurants[1])
    elsewhere = claim_receipt(guest=guest, qr_text=qr_text(closed, amount="500.00", document=83), source="bot").claim
    stranger = make_guest(home_restaurant_id=alpha.restaurants[1].pk)
    strangers = claim_receipt(guest=stranger, qr_text=qr_text(closed, amount="321.00", document=85), source="bot").claim
    assert strangers.status == ClaimStatus.PENDING
    manager = signed_in_client(alpha, "manager")  # works in restaurants[0] only
    listing = manager.get("/receipt-claims/").content.decode()
    assert f'data-testid="claim-{claim.pk}"' in listing
    assert f'data-testid="claim-{elsewhere.pk}"' not in listing
    assert f'data-testid="claim-{strangers.pk}"' not in listing  # waiting, but another restaurant's guest
    assert manager.get(f"/receipt-claims/{elsewhere.pk}/").status_code == 404
    assert manager.get(f"/receipt-claims/{strangers.pk}/").status_code == 404
    assert signed_in_client(alpha, "cashier").get("/receipt-claims/").status_code == 403


def test_staff_match_a_claim_to_the_chosen_receipt_and_it_accrues_once(alpha, waiting, guest):
    claim, near = waiting
    client = signed_in_client(alpha, "manager")
    response = client.post(f"/receipt-claims/{claim.pk}/match/", {"receipt_id": near.pk, "note": "discount"})
    assert response.status_code == 302, response.content.decode()[:500]

    claim.refresh_from_db()
    assert (claim.status, claim.receipt_id, claim.review_note) == (ClaimStatus.MATCHED, near.pk, "discount")
    assert claim.points_earned == 49  # 5 % of the receipt's 990.00, as the POS sent it
    near = Receipt.objects.get(pk=near.pk)
    assert (near.guest, near.points_earned, near.outcome_reason) == (guest, 49, "claimed")
    assert balance(guest) == 49
    assert _audited(claim) == ["receipt_claim.matched"]

    again = client.post(f"/receipt-claims/{claim.pk}/match/", {"receipt_id": near.pk})
    assert again.status_code == 409
    assert balance(guest) == 49


def test_a_receipt_with_a_guest_or_of_another_restaurant_cannot_be_chosen(alpha, waiting, guest, make_guest):
    claim, _near = waiting
    closed = timezone.now() - timedelta(hours=1)
    other = _guestless(alpha, "1000.00", closed, restaurant=alpha.restaurants[1], external_id="OTHER-1")
    send_checks(alpha, [CheckSpec(total_amount=Decimal("1000.00"), closed_at=closed, guest=make_guest())])
    with_guest = Receipt.objects.order_by("-id").first()
    manager = signed_in_client(alpha, "manager")
    assert manager.post(f"/receipt-claims/{claim.pk}/match/", {"receipt_id": other.pk}).status_code == 422
    owner = signed_in_client(alpha, "owner")
    assert owner.post(f"/receipt-claims/{claim.pk}/match/", {"receipt_id": with_guest.pk}).status_code == 422
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING and _audited(claim) == []
    assert balance(guest) == 0


@override_settings(RECEIPT_CLAIM_WINDOW_HOURS=48)
def test_an_expired_claim_can_still_be_matched_by_the_staff(alpha, guest):
    closed = timezone.now() - timedelta(hours=47)
    claim = claim_receipt(guest=guest, qr_text=qr_text(closed, amount="777.00", document=84), source="bot").claim
    retry_pending_claims(now=timezone.now() + timedelta(hours=2))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.EXPIRED
    late = _guestless(alpha, "777.00", closed, external_id="LATE-1")  # the guest showed the receipt at the till

    response = signed_in_client(alpha, "owner").post(f"/receipt-claims/{claim.pk}/match/", {"receipt_id": late.pk})

    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.MATCHED
    assert balance(guest) == claim.points_earned == 38


def test_staff_reject_a_claim_with_a_reason_the_guest_is_told(alpha, make_guest):
    guest = make_guest(email="rejected@example.com", consents={"email": True}, language="en")
    closed = timezone.now() - timedelta(hours=1)
    claim = claim_receipt(guest=guest, qr_text=qr_text(closed, amount="321.00", document=85), source="bot").claim
    client = signed_in_client(alpha, "admin")
    assert client.post(f"/receipt-claims/{claim.pk}/reject/", {"reason": " "}).status_code == 422

    with committed_effects():
        response = client.post(f"/receipt-claims/{claim.pk}/reject/", {"reason": "This receipt is from another cafe."})

    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.review_note) == (ClaimStatus.REFUSED, "This receipt is from another cafe.")
    assert _audited(claim) == ["receipt_claim.rejected"]
    sent = [message for message in mail.outbox if "rejected@example.com" in message.to]
    assert len(sent) == 1
    assert "could not accept it" in sent[0].body and "This receipt is from another cafe." in sent[0].body
    assert client.post(f"/receipt-claims/{claim.pk}/reject/", {"reason": "again"}).status_code == 409
    assert retry_pending_claims(now=timezone.now() + timedelta(minutes=5)) == 0  # a rejected claim is not retried
