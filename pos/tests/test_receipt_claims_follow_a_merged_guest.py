"""A guest's receipt claims follow a merge to the surviving profile (guests.merge), so a waiting claim accrues to the
survivor and counts in its daily limit, and go back with an undo."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from guests.merge import merge_guests, unmerge_guests
from pos.models import ReceiptClaim
from pos.services.claims import claim_receipt
from pos.tests.claims import qr_text


def test_claims_move_to_the_survivor_and_back_with_an_undo(alpha, make_guest):
    survivor, other = make_guest(), make_guest()
    claim = claim_receipt(
        guest=other, qr_text=qr_text(timezone.now() - timedelta(minutes=5), document=71), source="bot"
    )
    merge = merge_guests(access=None, survivor_id=survivor.pk, other_id=other.pk)
    assert ReceiptClaim.objects.get(pk=claim.claim.pk).guest_id == survivor.pk
    unmerge_guests(access=None, merge_id=merge.pk)
    assert ReceiptClaim.objects.get(pk=claim.claim.pk).guest_id == other.pk
