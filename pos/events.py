"""Events of the POS pipeline (see maxloyalty/events.py): what the drain announces to other apps."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.dispatch import Signal


@dataclass(frozen=True)
class ProcessedReceipt:
    """What a receiver may need of one processed receipt, without loading the row again."""

    receipt_id: int
    restaurant_id: int | None
    guest_id: int | None  # None: a check without a guest (it still counts in the restaurant's totals)
    status: str  # a pos.models.ReceiptStatus value: processed or failed
    received_at: datetime.datetime


# Sent after commit by the drain (and a staff rerun) for every batch of receipts that reached a final state.
# kwargs: receipts = list[ProcessedReceipt], never empty.
receipts_processed = Signal()
