"""Refunds in a batch: each reverses its sale's ledger work (loyalty.services.reverse_check), in the one lock
order (docs/lock-order.md); a refund that arrived before its sale waits, and becomes due once the sale is."""

from __future__ import annotations

from datetime import datetime

from django.db import OperationalError, transaction

from guests.models import Guest
from loyalty.errors import CheckNotFound
from loyalty.selectors import program_context
from loyalty.services import reverse_check
from loyalty.services.ledger import locked_accounts
from loyalty.services.referrals import open_referrer_ids, referrers_paid_for_guests
from maxloyalty.errors import DomainError
from pos.models import Receipt, ReceiptOperation, ReceiptStatus
from pos.selectors import receipt_with_check_id
from pos.services.receipts.outcomes import Outcome, RetryLater
from pos.services.receipts.scheduling import request_processing


def lock_accounts_before_refunds(guests: dict[int, Guest], refunds: list[Receipt]) -> set[int]:
    """The one lock order (docs/lock-order.md): a batch with refunds locks every account it may write up front, in
    ascending guest id: the buyers of its sales and the referrers their first purchase pays, the guests of the sales
    its refunds cancel and the referrers those sales paid. Otherwise the refunds, which run after the sales, would
    lock accounts out of order beside another batch. A batch of sales alone needs nothing here: apply_checks takes
    all of its accounts in one ascending lock. Returns the guests whose sales these refunds may reverse now: those
    of sales processed before the lock, and this batch's buyers (its own sales are processed before its refunds)."""
    if not refunds:
        return set()
    cancelled = set(
        Receipt.objects.filter(
            operation=ReceiptOperation.SALE,
            connection_id__in={receipt.connection_id for receipt in refunds},
            external_id__in=[receipt.external_id for receipt in refunds],
        )
        .exclude(guest=None)
        .values_list("guest_id", flat=True)
    )
    buyers = {guest.pk for guest in guests.values()}
    referrers = set(open_referrer_ids(guest_ids=buyers, context=program_context()).values())
    locked_accounts(buyers | referrers | cancelled | referrers_paid_for_guests(guest_ids=cancelled))
    return buyers | cancelled


def make_waiting_refunds_due(sales: list[Receipt], now: datetime) -> None:
    """A refund that arrived before its sale waits out its backoff; once the sale is processed it is due at once
    (and a drain is queued), so it is applied as soon as its sale is, with or without beat. Refunds another drain
    holds are skipped, not waited for: that drain is applying them."""
    processed = [sale for sale in sales if sale.status == ReceiptStatus.PROCESSED]
    if not processed:
        return
    waiting = list(
        Receipt.objects.select_for_update(skip_locked=True)
        .filter(
            operation=ReceiptOperation.REFUND,
            status=ReceiptStatus.FAILED,
            connection_id__in={sale.connection_id for sale in processed},
            external_id__in=[sale.external_id for sale in processed],
            next_attempt_at__gt=now,
        )
        .values_list("pk", flat=True)
    )
    if waiting:
        Receipt.objects.filter(pk__in=waiting).update(next_attempt_at=now)
        request_processing()


def refund_in_savepoint(receipt: Receipt, locked_guests: set[int]) -> Outcome:
    """A database error on one refund (a lock timeout on its sale) undoes only that refund, not the batch."""
    with transaction.atomic():
        return _refund(receipt, locked_guests)


def _refund(receipt: Receipt, locked_guests: set[int]) -> Outcome:
    original_rows = receipt_with_check_id(
        connection_id=receipt.connection_id, external_id=receipt.external_id, operation=ReceiptOperation.SALE
    )
    try:
        # Never wait for a receipt another drain or a staff rerun holds (docs/lock-order.md): try again later.
        with transaction.atomic():
            original = original_rows.select_for_update(of=("self",), nowait=True).first()
    except OperationalError as busy:
        if not original_rows.exists():
            raise
        raise RetryLater("original_busy", "The sale this refund cancels is being processed.") from busy
    if original is None:
        raise RetryLater("original_not_found", "The sale this refund cancels has not been received.")
    if original.status != ReceiptStatus.PROCESSED:
        raise RetryLater("original_not_processed", "The sale this refund cancels is not processed yet.")
    if original.guest_id is None:
        return Outcome(reason="nothing_to_reverse", refund_of_id=original.pk)
    if original.guest_id not in locked_guests:
        # Another drain processed the sale after this batch took its locks: reversing it now would lock accounts
        # out of order (docs/lock-order.md). The next attempt locks them first.
        raise RetryLater("original_busy", "The sale this refund cancels was processed meanwhile; tried again.")
    try:
        reversals = reverse_check(
            idempotency_key=original.idempotency_key,
            actor=None,
            reason=f"POS refund of check {receipt.external_id}",
        )
    except CheckNotFound:
        return Outcome(reason="nothing_to_reverse", guest_id=original.guest_id, refund_of_id=original.pk)
    except DomainError as refusal:
        return Outcome(
            reason=refusal.code, detail=str(refusal.message), guest_id=original.guest_id, refund_of_id=original.pk
        )
    returned = sum(entry.points for entry in reversals if entry.points > 0)
    taken_back = -sum(entry.points for entry in reversals if entry.points < 0)
    shortfall = sum(entry.shortfall_points for entry in reversals)
    return Outcome(
        reason="reversed_with_shortfall" if shortfall else "reversed",
        detail=f"{shortfall} points had already been spent and could not be taken back." if shortfall else "",
        guest_id=original.guest_id,
        points_earned=-taken_back,
        points_spent=-returned,
        refund_of_id=original.pk,
    )
