"""A staff member sends a receipt through processing again: a failed one, or one whose guest was not found (the
guest may have registered since). The drain that processes it announces it as any other."""

from __future__ import annotations

from django.db import transaction

from accounts.actors import Actor
from audit.services import record_audit
from pos.errors import ReceiptNotRerunnable
from pos.models import Receipt, ReceiptStatus
from pos.services.receipts.scheduling import request_processing

# Processed receipts a staff member may run again (besides failed ones): the guest may have registered since.
RERUNNABLE_REASONS = {"guest_not_found"}


@transaction.atomic
def rerun_receipt(*, receipt: Receipt, actor: Actor) -> Receipt:
    """Send a failed receipt (or one whose guest was not found) through processing again."""
    receipt = Receipt.objects.select_for_update(of=("self",)).get(pk=receipt.pk)
    rerunnable = receipt.status == ReceiptStatus.FAILED or (
        receipt.status == ReceiptStatus.PROCESSED and receipt.outcome_reason in RERUNNABLE_REASONS
    )
    if not rerunnable:
        raise ReceiptNotRerunnable(receipt_id=receipt.pk, status=receipt.status)
    before = {"status": receipt.status, "outcome_reason": receipt.outcome_reason, "attempts": receipt.attempts}
    receipt.status = ReceiptStatus.RECEIVED
    receipt.attempts = 0
    receipt.next_attempt_at = None
    receipt.last_error = ""
    receipt.outcome_reason = ""
    receipt.save(update_fields=["status", "attempts", "next_attempt_at", "last_error", "outcome_reason"])
    record_audit(
        action="pos.receipt.rerun",
        actor=actor,
        target=receipt,
        data={"external_id": receipt.external_id, "before": before},
        restaurant_id=receipt.restaurant_id,
    )
    request_processing()
    return receipt
