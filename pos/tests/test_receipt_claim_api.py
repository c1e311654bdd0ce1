"""GET /api/v1/receipt-claims shows guests' claims from receipts' QR to owners, admins and managers (theirs: the claims
matched in their restaurants), never to cashiers, and never across chains, in either direction."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from pos.models import ReceiptClaim
from pos.services.claims import claim_receipt
from pos.tests.claims import qr_text, send_guestless_check
from tests.checks import CheckSpec, register_guest, send_checks
from tests.fixtures import api_as

URL = "/api/v1/receipt-claims"


def _ids(response) -> set[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_owner_sees_every_claim_with_its_status(alpha, webhook, guest):
    closed = timezone.now() - timedelta(hours=1)
    send_guestless_check(webhook, "API-1", closed_at=closed)
    matched = claim_receipt(guest=guest, qr_text=qr_text(closed, document=61), source="bot").claim
    pending = claim_receipt(guest=guest, qr_text=qr_text(closed, amount="5.00", document=62), source="bot").claim
    owner = api_as(alpha, "owner")
    assert _ids(owner.get(URL)) == {matched.pk, pending.pk}
    rows = {row["id"]: row for row in owner.get(URL).json()["results"]}
    assert (rows[matched.pk]["status"], rows[matched.pk]["points_earned"]) == ("matched", 50)
    assert rows[matched.pk]["restaurant"] == alpha.restaurants[0].pk
    assert _ids(owner.get(URL, {"status": "pending"})) == {pending.pk}
    assert owner.get(URL, {"status": "lost"}).status_code == 400


def test_a_manager_sees_only_claims_matched_in_their_restaurants_and_a_cashier_none(alpha, guest):
    closed = timezone.now() - timedelta(hours=1)
    send_checks(alpha, [CheckSpec(total_amount=Decimal("1000.00"), closed_at=closed, restaurant=alpha.restaurants[1])])
    elsewhere = claim_receipt(guest=guest, qr_text=qr_text(closed, document=63), source="bot").claim
    assert elsewhere.restaurant_id == alpha.restaurants[1].pk
    assert _ids(api_as(alpha, "admin").get(URL)) == {elsewhere.pk}
    assert _ids(api_as(alpha, "manager").get(URL)) == set()  # the manager works in restaurants[0] only
    assert api_as(alpha, "cashier").get(URL).status_code == 403


def test_claims_stay_in_their_chain_both_ways(alpha, beta, guest):
    closed = timezone.now() - timedelta(hours=1)
    alphas = claim_receipt(guest=guest, qr_text=qr_text(closed, document=64), source="bot").claim
    with schema_context(beta.chain.schema_name):
        # Beta's guest-less receipt of that sum and time is not alpha's guest's to claim, nor the reverse.
        send_checks(beta, [CheckSpec(total_amount=Decimal("1000.00"), closed_at=closed)])
        beta_guest = register_guest()
        betas = claim_receipt(guest=beta_guest, qr_text=qr_text(closed, document=64), source="bot")
        assert betas.matched  # the same fiscal document number in another chain is another receipt
        assert _ids(api_as(beta, "owner").get(URL)) == {betas.claim.pk}
    alphas.refresh_from_db()
    assert alphas.status == "pending" and alphas.receipt_id is None
    assert _ids(api_as(alpha, "owner").get(URL)) == {alphas.pk}
    assert ReceiptClaim.objects.count() == 1


def test_the_list_filters_as_the_claims_page_does(alpha, webhook, guest):
    closed = timezone.now() - timedelta(hours=2)
    send_checks(alpha, [CheckSpec(total_amount=Decimal("500.00"), closed_at=closed, restaurant=alpha.restaurants[1])])
    matched = claim_receipt(guest=guest, qr_text=qr_text(closed, amount="500.00", document=65), source="bot").claim
    pending = claim_receipt(guest=guest, qr_text=qr_text(closed, amount="7.00", document=66), source="bot").claim
    assert (matched.status, pending.status) == ("matched", "pending")
    owner = api_as(alpha, "owner")
    today = timezone.localdate(closed, timezone.get_current_timezone())
    assert _ids(owner.get(URL, {"restaurant": alpha.restaurants[1].pk})) == {matched.pk}
    assert _ids(owner.get(URL, {"restaurant": alpha.restaurants[0].pk})) == set()
    assert _ids(owner.get(URL, {"date_from": (today + timedelta(days=2)).isoformat()})) == set()
    assert _ids(owner.get(URL, {"date_to": (today - timedelta(days=2)).isoformat()})) == set()
    around = {"date_from": (today - timedelta(days=1)).isoformat(), "date_to": (today + timedelta(days=1)).isoformat()}
    assert _ids(owner.get(URL, {**around, "status": "pending"})) == {pending.pk}
    assert owner.get(URL, {"date_from": "yesterday"}).status_code == 400
