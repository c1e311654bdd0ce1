"""The receipt pipeline: a POS check stored durably (the acknowledgement), then turned into points in the
background in batches (the drain). One module per concern:

    acknowledgement   a pushed check stored as a received receipt: one INSERT, a repeat answered from the stored one
    scheduling        asking for a drain after commit: one queued per chain at a time, widened under a backlog
    draining          a drain task's loop: batches until none is left, lingering a moment for arrivals
    batches           one batch: claimed, its sales through the loyalty core together, outcomes in one UPDATE
    refunds           a refund reverses its sale's ledger work, in the one lock order
    outcomes          what a receipt's processing sets on it (processed, or failed and retried with backoff)
    rerun             a staff member sends a failed receipt through again
    pulled            checks a POS was polled for, or notified of, stored in one statement

The design, the lock order and the measurements: docs/hot-path.md.
"""

from pos.services.receipts.acknowledgement import (
    CheckToAcknowledge,
    ReceiptState,
    acknowledge_check,
    acknowledge_checks,
    insert_new_receipts,
    receipt_values,
    receive_check,
)
from pos.services.receipts.batches import process_pending_receipts
from pos.services.receipts.draining import drain_pending_receipts
from pos.services.receipts.outcomes import MAX_ATTEMPTS
from pos.services.receipts.pulled import store_checks
from pos.services.receipts.rerun import rerun_receipt
from pos.services.receipts.scheduling import request_processing

__all__ = [
    "MAX_ATTEMPTS",
    "CheckToAcknowledge",
    "ReceiptState",
    "acknowledge_check",
    "acknowledge_checks",
    "drain_pending_receipts",
    "insert_new_receipts",
    "process_pending_receipts",
    "receipt_values",
    "receive_check",
    "request_processing",
    "rerun_receipt",
    "store_checks",
]
