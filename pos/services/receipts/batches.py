"""One batch of the drain: up to BATCH_SIZE due receipts claimed (FOR UPDATE SKIP LOCKED) in the transaction that
writes their ledger entries, so a crash rolls the claim back with the points and two drains never take the same
receipt. Its guests are found together, its sales go through the loyalty core together (apply_checks), its refunds
after them, and the outcomes are written in one UPDATE; receivers of pos.events.receipts_processed hear of the
batch after commit. Design and figures: docs/hot-path.md."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from guests.models import GUEST_FIELDS_FOR_CHECKS, Guest
from guests.selectors import lookup_guests
from loyalty.rules import Check, CheckLine
from loyalty.services import CheckResult, CheckToApply, apply_checks
from maxloyalty.db.fast_instances import fast_load
from maxloyalty.db.set_based_writes import update_rows
from maxloyalty.errors import DomainError
from maxloyalty.events import emit_after_commit
from pos.events import ProcessedReceipt, receipts_processed
from pos.models import RECEIPT_OUTCOME_FIELDS, RECEIPT_PROCESSING_FIELDS, Receipt, ReceiptOperation, ReceiptStatus
from pos.selectors import restaurant_zone
from pos.services.receipts.outcomes import Outcome, process_claimed
from pos.services.receipts.refunds import lock_accounts_before_refunds, make_waiting_refunds_due, refund_in_savepoint
from pos.services.receipts.scheduling import schedule_retry
from restaurants.models import Restaurant

logger = logging.getLogger("pos.services.receipts")

# A batch's statements and commit cost about the same whatever its size, so a backlog drains cheaper in bigger
# batches; a batch holds its guests' account locks for its duration (docs/hot-path.md).
BATCH_SIZE = 200
PARTITION_KEY = ("received_at",)  # receipts are partitioned by month on it: each update finds its month directly


def process_pending_receipts(*, limit: int = BATCH_SIZE, now: datetime | None = None) -> int:
    """Claim up to `limit` due receipts and process them in one transaction; outcomes are written together."""
    now = now or timezone.now()
    with transaction.atomic():
        batch = _claim_due_receipts(limit, now)
        # A batch names a few restaurants: one instance each (for its time zone, and the rows' foreign key).
        restaurants = Restaurant.objects.in_bulk({receipt.restaurant_id for receipt in batch})
        sales = [receipt for receipt in batch if receipt.operation == ReceiptOperation.SALE]
        guests = _guests_for(sales)
        refunds = [receipt for receipt in batch if receipt.operation == ReceiptOperation.REFUND]
        locked_for_refunds = lock_accounts_before_refunds(guests, refunds)
        # Every batch locks points accounts in ascending guest id, so two workers running batches with guests in
        # common wait for each other instead of deadlocking. Refunds come after the sales (saved first), so a
        # refund finds its sale processed even when both arrived in this batch.
        sales.sort(key=lambda receipt: _lock_order(receipt, guests.get(receipt.pk)))
        _process_sales(sales, guests, restaurants, now)
        if sales:
            update_rows(Receipt, sales, RECEIPT_OUTCOME_FIELDS, match=PARTITION_KEY)
            make_waiting_refunds_due(sales, now)
        for receipt in refunds:
            process_claimed(receipt, now, lambda receipt=receipt: refund_in_savepoint(receipt, locked_for_refunds))  # type: ignore[misc]  # defaults bind this round
        if refunds:
            update_rows(Receipt, refunds, RECEIPT_OUTCOME_FIELDS, match=PARTITION_KEY)
        retry_times = [r.next_attempt_at for r in batch if r.status == ReceiptStatus.FAILED and r.next_attempt_at]
        if retry_times:
            schedule_retry(min(retry_times), now)
        if batch:
            _announce(batch)
    return len(batch)


def _claim_due_receipts(limit: int, now: datetime) -> list[Receipt]:
    """Lock up to `limit` due receipts (received, or failed and due again) in id order, skipping those another
    drain holds; only the columns processing reads and writes are loaded. Must run in a transaction."""
    # The claim must walk the pending index in id order and stop at `limit` rows: an index scan also marks the
    # entries of receipts processed since the last vacuum dead as it passes them, so each claim costs the same.
    # A bitmap scan (which the planner picks for a table whose statistics lag, as a busy one's do) reads every
    # entry still in the index and sorts them all, a cost that grows with each batch until autovacuum runs.
    # Receipts are partitioned by month: each month's pending index is walked in id order and the walks merged
    # (a Merge Append), instead of all of them read and sorted.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off")
    return list(
        fast_load(
            Receipt.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(Q(status=ReceiptStatus.RECEIVED) | Q(status=ReceiptStatus.FAILED, next_attempt_at__lte=now))
            .only(*RECEIPT_PROCESSING_FIELDS, *RECEIPT_OUTCOME_FIELDS)
            .order_by("id")[:limit]
        )
    )


def _announce(batch: list[Receipt]) -> None:
    """pos.events.receipts_processed after commit, for every receipt of the batch: processed (with or without a
    guest) or failed."""
    emit_after_commit(
        receipts_processed,
        sender=Receipt,
        receipts=[
            ProcessedReceipt(
                receipt_id=receipt.pk,
                restaurant_id=receipt.restaurant_id,
                guest_id=receipt.guest_id,
                status=str(ReceiptStatus(receipt.status).value),
                received_at=receipt.received_at,
            )
            for receipt in batch
        ],
    )


def _lock_order(receipt: Receipt, guest: Guest | None) -> tuple[int, int]:
    return (guest.pk, receipt.pk) if guest is not None else (0, receipt.pk)


def _process_sales(
    sales: list[Receipt], guests: dict[int, Guest], restaurants: dict[int, Restaurant], now: datetime
) -> None:
    """The sales of a batch: those naming a known guest go through the loyalty core together (apply_checks); when
    that fails as a whole (an unexpected error), each is tried on its own so one bad receipt fails alone."""
    to_apply = [receipt for receipt in sales if receipt.guest_identifier and receipt.pk in guests]
    for receipt in sales:
        if receipt.pk not in guests:
            reason = "guest_not_found" if receipt.guest_identifier else "no_guest"
            process_claimed(receipt, now, lambda reason=reason: Outcome(reason=reason))  # type: ignore[misc]  # defaults bind this round
    if not to_apply:
        return
    items = [_check_to_apply(receipt, guests[receipt.pk], restaurants[receipt.restaurant_id]) for receipt in to_apply]
    try:
        results = apply_checks(items)
    except Exception:
        logger.warning("POS batch of %s receipts failed together: one at a time", len(items), exc_info=True)
        for receipt, item in zip(to_apply, items, strict=True):
            process_claimed(receipt, now, lambda item=item: _sale_outcome(item, apply_checks([item])[0]))  # type: ignore[misc]  # defaults bind this round
        return
    for receipt, item, result in zip(to_apply, items, results, strict=True):
        process_claimed(receipt, now, lambda item=item, result=result: _sale_outcome(item, result))  # type: ignore[misc]  # defaults bind this round


def loyalty_check_for(receipt: Receipt, restaurant: Restaurant) -> Check:
    """The receipt as the loyalty rules see it; `restaurant` is the receipt's (read once for a batch)."""
    zone = restaurant_zone(restaurant)
    return Check(
        total_amount=receipt.total_amount,
        currency=receipt.currency,
        lines=tuple(
            CheckLine(
                sku=line.get("sku", ""),
                name=line.get("name", ""),
                category=line.get("category", ""),
                quantity=_decimal(line.get("quantity")),
                price=_decimal(line.get("price")),
                discount=_decimal(line.get("discount")),
            )
            for line in receipt.lines
        ),
        points_to_spend=receipt.points_requested,
        at=(receipt.closed_at or receipt.received_at).astimezone(zone),
        restaurant_id=receipt.restaurant_id,
        promo_code=receipt.promo_code,
    )


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value if value not in (None, "") else 0))


def _guests_for(sales: list[Receipt]) -> dict[int, Guest]:
    """The guests the sales name, by receipt id (unknown or unnamed guests are left out): one query per kind."""
    named = [receipt for receipt in sales if receipt.guest_identifier and receipt.guest_identifier_kind]
    found = lookup_guests(
        ((receipt.guest_identifier_kind, receipt.guest_identifier) for receipt in named), fields=GUEST_FIELDS_FOR_CHECKS
    )
    return {
        receipt.pk: found[key]
        for receipt in named
        if (key := (receipt.guest_identifier_kind, receipt.guest_identifier)) in found
    }


def _check_to_apply(receipt: Receipt, guest: Guest, restaurant: Restaurant) -> CheckToApply:
    return CheckToApply(
        guest=guest,
        check=loyalty_check_for(receipt, restaurant),
        restaurant=restaurant,
        idempotency_key=receipt.idempotency_key,
        receipt_id=receipt.pk,
    )


def _sale_outcome(item: CheckToApply, result: CheckResult) -> Outcome:
    """What the loyalty core's answer means for the receipt: a refusal by a business rule (blocked guest, ...) is
    processed with nothing earned; less spent than asked is recorded with the reason."""
    if isinstance(result, DomainError):
        return Outcome(reason=result.code, detail=str(result.message), guest_id=item.guest.pk)
    reason = ""
    if result.spent < item.check.points_to_spend:
        reason = "redemption_limited"  # processed with the allowed part; the loyalty rules say why
    elif result.refused_reason:
        reason = "promo_code_refused"
    return Outcome(
        reason=reason,
        detail=result.refused_reason,
        guest_id=item.guest.pk,
        points_earned=result.earned,
        points_spent=result.spent,
        visit_id=result.visit.pk if result.visit is not None else None,
    )
