"""What processing sets on a claimed receipt (the batch writes them all in one UPDATE): processed with its outcome,
or failed with the error and a due time for the next attempt (exponential backoff, MAX_ATTEMPTS in all)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pos.models import Receipt, ReceiptStatus

logger = logging.getLogger("pos.services.receipts")

MAX_ATTEMPTS = 8


class RetryLater(Exception):
    """Processing cannot finish yet (e.g. a refund whose sale is not processed): failed now, retried later."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail or reason


@dataclass
class Outcome:
    reason: str = ""
    detail: str = ""
    guest_id: int | None = None
    points_earned: int = 0
    points_spent: int = 0
    visit_id: int | None = None
    refund_of_id: int | None = None


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def process_claimed(receipt: Receipt, now: datetime, work: Callable[[], Outcome]) -> None:
    """Run one receipt's work; its outcome is set on the object (the batch writes them). The loyalty services run
    in their own savepoint, so a refusal or failure there undoes only this receipt's ledger work."""
    receipt.attempts += 1
    try:
        _finish(receipt, work(), now)
    except RetryLater as error:
        _fail(receipt, now, reason=error.reason, detail=error.detail)
    except Exception as error:
        logger.exception("POS receipt %s failed", receipt.pk)
        _fail(receipt, now, reason="error", detail=f"{type(error).__name__}: {error}"[:2000])


def _finish(receipt: Receipt, outcome: Outcome, now: datetime) -> None:
    receipt.status = ReceiptStatus.PROCESSED
    receipt.guest_id = outcome.guest_id
    receipt.points_earned = outcome.points_earned
    receipt.points_spent = outcome.points_spent
    receipt.outcome_reason = outcome.reason[:64]
    receipt.outcome_detail = outcome.detail
    receipt.visit_id = outcome.visit_id
    receipt.refund_of_id = outcome.refund_of_id
    receipt.next_attempt_at = None
    receipt.last_error = ""
    receipt.processed_at = now


def _fail(receipt: Receipt, now: datetime, *, reason: str, detail: str) -> None:
    receipt.status = ReceiptStatus.FAILED
    receipt.outcome_reason = reason[:64]
    receipt.last_error = detail
    receipt.next_attempt_at = now + backoff(receipt.attempts) if receipt.attempts < MAX_ATTEMPTS else None
