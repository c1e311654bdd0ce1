"""The receipt pipeline: store a check durably (the acknowledgement), then turn it into points in the background.

Acknowledgement: one INSERT ... ON CONFLICT DO NOTHING RETURNING id. The unique constraint
(connection, external_id, operation) makes a second delivery, even a concurrent one, insert nothing; it then
reads the stored receipt and answers with its status and result.

Processing claims received receipts in batches (SELECT ... FOR UPDATE SKIP LOCKED) inside the transaction
that writes their ledger entries, so a crash rolls the claim back with the points, and two workers never take
the same receipt. The batch's guests are found together and its sales go through the loyalty core together
(loyalty.services.apply_checks: a handful of statements per batch); a refusal by a business rule is that
receipt's outcome, and should the batch fail as a whole, its sales are run one at a time, each in a savepoint, so
one bad receipt fails alone (retried with backoff). The outcomes are written with one UPDATE per batch. Accounts
are locked in ascending guest id, so parallel drains cannot deadlock. The loyalty ledger's idempotency key
(connection + operation + external id) is the last guard against a second accrual.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import record_audit
from guests.models import Guest
from guests.phones import normalize_phone
from guests.selectors import lookup_guests
from loyalty.errors import CheckNotFound
from loyalty.rules import Check, CheckLine
from loyalty.selectors import program_context
from loyalty.services import CheckResult, CheckToApply, apply_checks, reverse_check
from loyalty.services.ledger import locked_accounts
from loyalty.services.referrals import open_referrer_ids, referrers_paid_for_guests
from maxloyalty.db.fast_instances import fast_load
from maxloyalty.db.set_based_writes import insert_new_values, update_rows
from maxloyalty.errors import Conflict, DomainError
from pos.check_format import PosCheck, without_nul
from pos.models import Receipt, ReceiptOperation, ReceiptStatus, Restaurant
from pos.selectors import restaurant_zone

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A batch's statements and commit cost about the same whatever its size (the claim, the guests, the accounts, the
# rows written: a handful of statements), so a backlog drains cheaper in bigger batches: at 200 the database's share
# per receipt measured a quarter below that at 50. A batch holds its guests' account locks for its duration (about
# 0.15 s for 200 here): a cashier's operation on such a guest waits that long.
BATCH_SIZE = 200
DRAIN_FLAG = "pos:drain-requested"
DRAIN_FLAG_SECONDS = 30
LINGER_LOOK_SECONDS = 0.05
# Processed receipts a staff member may run again (besides failed ones): the guest may have registered since.
RERUNNABLE_REASONS = {"guest_not_found"}


class ExternalIdReused(Conflict):
    code, message = "external_id_reused", _("This check id was already sent with different content.")


class ReceiptNotRerunnable(Conflict):
    code, message = (
        "receipt_not_rerunnable",
        _("Only failed receipts, or receipts whose guest was not found, can be run again."),
    )


class RetryLater(Exception):
    """Processing cannot finish yet (e.g. a refund whose sale is not processed): failed now, retried later."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail or reason


@dataclass(frozen=True)
class ReceiptState:
    """What the webhook answers: ours for a new check, the stored one for a repeat."""

    receipt_id: int
    status: str
    created: bool
    points_earned: int = 0
    points_spent: int = 0
    outcome_reason: str = ""

    def as_response(self) -> dict[str, Any]:
        body: dict[str, Any] = {"receipt_id": self.receipt_id, "status": self.status, "duplicate": not self.created}
        if not self.created:
            body.update(
                points_earned=self.points_earned, points_spent=self.points_spent, outcome_reason=self.outcome_reason
            )
        return body


def receipt_values(
    check: PosCheck, *, connection_id: int, restaurant_id: int, source: str, received_at: datetime | None = None
) -> dict[str, Any]:
    """A new receipt's column values (by attname; JSON columns as the objects themselves) for the check."""
    lines = check.lines_json()
    return {
        "connection_id": connection_id,
        "restaurant_id": restaurant_id,
        "external_id": check.external_id,
        "operation": check.operation,
        "status": ReceiptStatus.RECEIVED.value,
        "source": str(source),
        "payload": check.payload,
        "content_digest": check.content_digest(lines),
        "opened_at": check.opened_at,
        "closed_at": check.closed_at,
        "terminal": check.terminal,
        "guest_identifier_kind": check.guest_kind,
        "guest_identifier": check.guest_value,
        "lines": lines,
        "payments": list(check.payments),
        "total_amount": check.total_amount,
        "currency": check.currency,
        "promo_code": check.promo_code,
        "points_requested": check.points_to_spend,
        "points_earned": 0,
        "points_spent": 0,
        "outcome_reason": "",
        "outcome_detail": "",
        "visit_id": None,
        "attempts": 0,
        "next_attempt_at": None,
        "last_error": "",
        "received_at": received_at or timezone.now(),
        "processed_at": None,
        "guest_id": None,
        "refund_of_id": None,
    }


def insert_new_receipts(rows: list[dict[str, Any]]) -> list[int]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id: ids of the receipts that were new (one statement). A field
    added to Receipt without a value in receipt_values fails the first insert (KeyError) instead of being stored
    as NULL."""
    return [row[0] for row in insert_new_values(Receipt, rows)]


@dataclass(frozen=True)
class CheckToAcknowledge:
    """A verified pushed check of one of the current chain's connections."""

    connection_id: int
    restaurant_id: int
    check: PosCheck
    source: str


_RECEIPT_KEY = ("connection_id", "external_id", "operation")  # the unique constraint a repeat runs into


def acknowledge_check(*, connection_id: int, restaurant_id: int, check: PosCheck, source: str) -> int | None:
    """Store a pushed check as a received receipt and ask for processing after commit: one INSERT. Its id, or
    None when the POS sent this check before (nothing written)."""
    return acknowledge_checks([CheckToAcknowledge(connection_id, restaurant_id, check, source)])[0]


def acknowledge_checks(checks: Sequence[CheckToAcknowledge]) -> list[int | None]:
    """acknowledge_check for many checks of the current chain (the webhooks of one moment): one INSERT and one
    processing request for all. Each check's new receipt id, or None when the check is stored already, by an
    earlier delivery or by an earlier item of `checks` (then nothing is written for it)."""
    received_at = timezone.now()
    rows = [
        receipt_values(
            item.check,
            connection_id=item.connection_id,
            restaurant_id=item.restaurant_id,
            source=item.source,
            received_at=received_at,
        )
        for item in checks
    ]
    inserted = {tuple(row[1:]): row[0] for row in insert_new_values(Receipt, rows, _RECEIPT_KEY)}
    if inserted:
        request_processing()
    return [inserted.pop(tuple(row[column] for column in _RECEIPT_KEY), None) for row in rows]


def receive_check(*, connection_id: int, restaurant_id: int, check: PosCheck, source: str) -> ReceiptState:
    """Store a pushed check (status received) and ask for processing after commit. One INSERT when new; a repeat
    answers the stored receipt's status and result."""
    receipt_id = acknowledge_check(connection_id=connection_id, restaurant_id=restaurant_id, check=check, source=source)
    if receipt_id is not None:
        return ReceiptState(receipt_id=receipt_id, status=ReceiptStatus.RECEIVED, created=True)
    stored = (
        Receipt.objects.filter(connection_id=connection_id, external_id=check.external_id, operation=check.operation)
        .values("id", "status", "content_digest", "points_earned", "points_spent", "outcome_reason")
        .get()
    )
    if stored["content_digest"] and stored["content_digest"] != check.content_digest():
        raise ExternalIdReused(receipt_id=stored["id"], external_id=check.external_id)
    return ReceiptState(
        receipt_id=stored["id"],
        status=stored["status"],
        created=False,
        points_earned=stored["points_earned"],
        points_spent=stored["points_spent"],
        outcome_reason=stored["outcome_reason"],
    )


# --- asking for processing --------------------------------------------------------------------------


def request_processing() -> None:
    """After commit, make sure a drain task is queued for this chain (one queued at a time for new arrivals)."""
    transaction.on_commit(_queue_drain)


def _drain_flag(slot: int) -> str:
    return f"{DRAIN_FLAG}:{slot}"


def drain_linger_seconds() -> float:
    """POS_DRAIN_LINGER_SECONDS, or 0 when Celery runs tasks eagerly (development without Redis): a drain then runs
    inside the request that queued it, which must not wait, and no webhook may count on a lingering drain."""
    return 0.0 if settings.CELERY_TASK_ALWAYS_EAGER else settings.POS_DRAIN_LINGER_SECONDS


# When this process last saw the chain's drain flag set (by schema): a drain was queued or running then, and it
# keeps looking for POS_DRAIN_LINGER_SECONDS after it clears the flag, so for half that time a webhook can count
# on it without asking Redis.
_flag_seen_at: dict[str, float] = {}


def _queue_drain() -> None:
    from pos.tasks import drain_receipts

    schema, now = connection.schema_name, time.monotonic()
    if now - _flag_seen_at.get(schema, -math.inf) < drain_linger_seconds() / 2:
        return
    # SET NX in Redis (tenant-aware key): a webhook costs one cheap Redis call instead of a task per check.
    if cache.add(_drain_flag(0), 1, timeout=DRAIN_FLAG_SECONDS):
        drain_receipts.delay()
    _flag_seen_at[schema] = now


def _widen(slot: int) -> None:
    """A full batch means a backlog: ask for one more drain beside this one, up to POS_DRAIN_PARALLELISM."""
    from pos.tasks import drain_receipts

    following = slot + 1
    if following < settings.POS_DRAIN_PARALLELISM and cache.add(_drain_flag(following), 1, timeout=DRAIN_FLAG_SECONDS):
        drain_receipts.delay(slot=following)


def drain_pending_receipts(
    *, slot: int = 0, time_budget_seconds: float = 20.0, batch_size: int = BATCH_SIZE, linger: bool = True
) -> tuple[int, bool]:
    """Process batches until none is left or the budget is spent; (receipts handled, whether more remain).

    Drains run side by side (SKIP LOCKED gives each its own receipts); `slot` names this one's flag.
    """
    deadline = time.monotonic() + time_budget_seconds
    handled = 0
    while True:
        cache.set(_drain_flag(slot), 1, timeout=DRAIN_FLAG_SECONDS)  # still running: keep the flag alive
        count = process_pending_receipts(limit=batch_size)
        handled += count
        if count == batch_size:
            _widen(slot)
        elif count and drain_linger_seconds():
            # A part batch: let arrivals gather for a moment. A batch costs about the same few statements and one
            # commit whatever its size, so a drain spinning on one or two receipts would eat the CPU that the
            # webhooks need; waiting a few milliseconds turns a trickle into batches.
            time.sleep(LINGER_LOOK_SECONDS)
        if count == 0:
            # Arrivals from now on queue a fresh drain, or count on this one while it lingers (see _queue_drain);
            # the looks while lingering also close the race with arrivals just before the flag went.
            cache.delete(_drain_flag(slot))
            count = _linger(batch_size) if linger else process_pending_receipts(limit=batch_size)
            handled += count
            if count == 0:
                return handled, False
        if time.monotonic() > deadline:
            return handled, True


def _linger(batch_size: int) -> int:
    """Look for receipts until POS_DRAIN_LINGER_SECONDS have passed; what the first fruitful look handled (0: none).
    The last look starts after the time is up, so it sees every receipt committed before then."""
    until = time.monotonic() + drain_linger_seconds()
    while True:
        time_is_up = time.monotonic() >= until
        count = process_pending_receipts(limit=batch_size)
        if count or time_is_up:
            return count
        time.sleep(LINGER_LOOK_SECONDS)


def process_pending_receipts(*, limit: int = BATCH_SIZE, now: datetime | None = None) -> int:
    """Claim up to `limit` due receipts and process them in one transaction; outcomes are written together."""
    now = now or timezone.now()
    with transaction.atomic():
        # The claim must walk the pending index in id order and stop at `limit` rows: an index scan also marks the
        # entries of receipts processed since the last vacuum dead as it passes them, so each claim costs the same.
        # A bitmap scan (which the planner picks for a table whose statistics lag, as a busy one's do) reads every
        # entry still in the index and sorts them all, a cost that grows with each batch until autovacuum runs.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        batch = list(
            fast_load(
                Receipt.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(Q(status=ReceiptStatus.RECEIVED) | Q(status=ReceiptStatus.FAILED, next_attempt_at__lte=now))
                .only(*_PROCESSING_FIELDS, *_OUTCOME_FIELDS)
                .order_by("id")[:limit]
            )
        )
        # A batch names a few restaurants: one instance each (for its time zone, and the rows' foreign key).
        restaurants = Restaurant.objects.in_bulk({receipt.restaurant_id for receipt in batch})
        sales = [receipt for receipt in batch if receipt.operation == ReceiptOperation.SALE]
        guests = _guests_for(sales)
        refunds = [receipt for receipt in batch if receipt.operation == ReceiptOperation.REFUND]
        locked_for_refunds = _lock_accounts_before_refunds(guests, refunds)
        # Every batch locks points accounts in ascending guest id, so two workers running batches with guests in
        # common wait for each other instead of deadlocking. Refunds come after the sales (saved first), so a
        # refund finds its sale processed even when both arrived in this batch.
        sales.sort(key=lambda receipt: _lock_order(receipt, guests.get(receipt.pk)))
        _process_sales(sales, guests, restaurants, now)
        if sales:
            update_rows(Receipt, sales, _OUTCOME_FIELDS)
            _make_waiting_refunds_due(sales, now)
        for receipt in refunds:
            _process_claimed(receipt, now, lambda receipt=receipt: _refund_in_savepoint(receipt, locked_for_refunds))
        if refunds:
            update_rows(Receipt, refunds, _OUTCOME_FIELDS)
        retry_times = [r.next_attempt_at for r in batch if r.status == ReceiptStatus.FAILED and r.next_attempt_at]
        if retry_times:
            _schedule_retry(min(retry_times), now)
    return len(batch)


def _lock_accounts_before_refunds(guests: dict[int, Guest], refunds: list[Receipt]) -> set[int]:
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


def _make_waiting_refunds_due(sales: list[Receipt], now: datetime) -> None:
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


def _lock_order(receipt: Receipt, guest: Guest | None) -> tuple[int, int]:
    return (guest.pk, receipt.pk) if guest is not None else (0, receipt.pk)


def _schedule_retry(when: datetime, now: datetime) -> None:
    """Retries do not wait for beat's next tick: a drain is queued for when the first of them is due."""
    from pos.tasks import drain_receipts

    seconds = max((when - now).total_seconds(), 1.0)
    # One delayed drain per half-minute of due times, however many batches had failures (backoff is >= 30 s).
    if cache.add(f"pos:retry-drain:{int(when.timestamp()) // 30}", 1, timeout=int(seconds) + 60):
        transaction.on_commit(lambda: drain_receipts.apply_async(countdown=seconds))


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


def _process_claimed(receipt: Receipt, now: datetime, work: Callable[[], Outcome]) -> None:
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


def _process_sales(
    sales: list[Receipt], guests: dict[int, Guest], restaurants: dict[int, Restaurant], now: datetime
) -> None:
    """The sales of a batch: those naming a known guest go through the loyalty core together (apply_checks); when
    that fails as a whole (an unexpected error), each is tried on its own so one bad receipt fails alone."""
    to_apply = [receipt for receipt in sales if receipt.guest_identifier and receipt.pk in guests]
    for receipt in sales:
        if receipt.pk not in guests:
            reason = "guest_not_found" if receipt.guest_identifier else "no_guest"
            _process_claimed(receipt, now, lambda reason=reason: Outcome(reason=reason))
    if not to_apply:
        return
    items = [_check_to_apply(receipt, guests[receipt.pk], restaurants[receipt.restaurant_id]) for receipt in to_apply]
    try:
        results = apply_checks(items)
    except Exception:
        logger.warning("POS batch of %s receipts failed together: one at a time", len(items), exc_info=True)
        for receipt, item in zip(to_apply, items, strict=True):
            _process_claimed(receipt, now, lambda item=item: _sale_outcome(item, apply_checks([item])[0]))
        return
    for receipt, item, result in zip(to_apply, items, results, strict=True):
        _process_claimed(receipt, now, lambda item=item, result=result: _sale_outcome(item, result))


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


# What processing reads of a claimed receipt, besides the outcome it writes back. The rest (the payload as
# received, payments, terminal, ...) is kept for people reading a receipt and is not loaded.
_PROCESSING_FIELDS = [
    "connection",
    "restaurant",
    "external_id",
    "operation",
    "guest_identifier_kind",
    "guest_identifier",
    "lines",
    "total_amount",
    "currency",
    "promo_code",
    "points_requested",
    "closed_at",
    "received_at",
]
_OUTCOME_FIELDS = [
    "status",
    "attempts",
    "guest",
    "points_earned",
    "points_spent",
    "outcome_reason",
    "outcome_detail",
    "visit_id",
    "refund_of",
    "next_attempt_at",
    "last_error",
    "processed_at",
]


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


# What processing reads of a guest: the loyalty rules (status, tags) and the receipt message after the check
# (Telegram chat, language). The profile's other columns (names, consents, visit times, ...) are not loaded.
_GUEST_FIELDS = ("status", "tags", "telegram_chat_id", "language")


def _guests_for(sales: list[Receipt]) -> dict[int, Guest]:
    """The guests the sales name, by receipt id (unknown or unnamed guests are left out): one query per kind."""
    named = [receipt for receipt in sales if receipt.guest_identifier and receipt.guest_identifier_kind]
    found = lookup_guests(
        ((receipt.guest_identifier_kind, receipt.guest_identifier) for receipt in named), fields=_GUEST_FIELDS
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


def _refund_in_savepoint(receipt: Receipt, locked_guests: set[int]) -> Outcome:
    """A database error on one refund (a lock timeout on its sale) undoes only that refund, not the batch."""
    with transaction.atomic():
        return _refund(receipt, locked_guests)


def _refund(receipt: Receipt, locked_guests: set[int]) -> Outcome:
    original_rows = Receipt.objects.filter(
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


# --- staff actions ---------------------------------------------------------------------------------


@transaction.atomic
def rerun_receipt(*, receipt: Receipt, actor: Any) -> Receipt:
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


def store_checks(*, connection_id: int, restaurant_id: int, checks: list[PosCheck], source: str) -> list[int]:
    """Store pulled or notified checks; known ones are recognised by external id. Returns the new ids.

    A refund is stored only for a sale we hold: a POS also deletes orders that were never closed. NUL characters
    are dropped from the checks' texts (PostgreSQL stores none; a pulled order cannot be refused).
    """
    if not checks:
        return []
    checks = [without_nul(check) for check in checks]  # a NUL would fail the page's INSERT on every poll
    sales = {
        external_id
        for external_id in Receipt.objects.filter(
            connection_id=connection_id,
            operation=ReceiptOperation.SALE,
            external_id__in=[check.external_id for check in checks if check.operation == ReceiptOperation.REFUND],
        ).values_list("external_id", flat=True)
    }
    sold_in_batch = {check.external_id for check in checks if check.operation == ReceiptOperation.SALE}
    receipts = []
    for check in checks:
        if check.operation == ReceiptOperation.REFUND and check.external_id not in sales | sold_in_batch:
            continue
        if check.guest_kind == "phone":
            try:
                check = _with_guest(check, "phone", normalize_phone(check.guest_value))
            except DomainError:
                check = _with_guest(check, "", "")
        receipts.append(receipt_values(check, connection_id=connection_id, restaurant_id=restaurant_id, source=source))
    with transaction.atomic():
        new_ids = insert_new_receipts(receipts)
        if new_ids:
            request_processing()
    return new_ids


def _with_guest(check: PosCheck, kind: str, value: str) -> PosCheck:
    return replace(check, guest_kind=kind, guest_value=value)
