"""A guest who forgot their card claims the visit with the QR of the fiscal receipt (pos.fiscal_qr).

The claim is matched against the receipts the chain's POS sent without a guest: by the fiscal document when the POS
sends it (Receipt.fiscal_key), otherwise by the sum and the till's time within RECEIPT_CLAIM_TIME_TOLERANCE_MINUTES,
and only when exactly one receipt fits (two fit: no guess, the claim waits). A match attaches the guest to the
receipt and runs it through the loyalty core as the drain does (apply_checks, under the receipt's own idempotency
key), so a receipt earns once whichever way its guest was found. A claim not matched yet waits: the POS tick
(pos.tasks.pos_chain_tick) tries it again as late POS data arrives, and past RECEIPT_CLAIM_WINDOW_HOURS after the
receipt it expires and the guest is told.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.access import ChainAccess
from audit.services import record_audit
from guests.models import Guest
from loyalty.selectors import current_chain
from loyalty.services import CheckToApply, apply_checks
from maxloyalty.errors import DomainError
from maxloyalty.events import emit_after_commit
from messaging.services import send_to_guest
from pos.errors import (
    ClaimLimitReached,
    ClaimNotASale,
    ClaimOfAnotherFiscalDocument,
    ClaimReceiptInTheFuture,
    ClaimSettled,
    ClaimWindowPassed,
    ReceiptAlreadyClaimed,
    ReceiptRefunded,
)
from pos.events import ProcessedReceipt, receipts_processed
from pos.fiscal_qr import SALE, FiscalQr, parse_fiscal_qr
from pos.models import ClaimStatus, Receipt, ReceiptClaim, ReceiptOperation, ReceiptStatus
from pos.selectors import (
    CLAIM_ZONE_SPREAD,
    MATCHABLE_CLAIM_STATUSES,
    REJECTABLE_CLAIM_STATUSES,
    access_claim,
    is_refunded_receipt,
    receipt_for_manual_match,
    restaurant_zone,
)
from pos.services.receipts.batches import loyalty_check_for

logger = logging.getLogger(__name__)

CLAIM_MESSAGE_KIND = "receipt_claim"
ZONE_SPREAD = CLAIM_ZONE_SPREAD
# A till east of the chain's zone prints a time "ahead" of the chain's clock, and its clock may run ahead a little;
# a receipt further in the future is a mistyped QR.
FUTURE_ALLOWED = ZONE_SPREAD + datetime.timedelta(hours=1)
RETRY_EVERY = datetime.timedelta(minutes=2)
RETRY_BATCH = 200


@dataclass(frozen=True)
class ClaimResult:
    claim: ReceiptClaim
    matched: bool


def claim_window() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.RECEIPT_CLAIM_WINDOW_HOURS)


def _chain_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(current_chain().time_zone or "UTC")


@transaction.atomic
def claim_receipt(*, guest: Guest, qr_text: str, source: str, now: datetime.datetime | None = None) -> ClaimResult:
    """Take the guest's claim of the receipt whose QR text is `qr_text` and try to match it at once. Refused (nothing
    written): a text that is not a fiscal QR (ValidationFailed), a refund, a receipt older than the window or in the
    future, a receipt claimed before (by anyone), the guest's daily limit reached."""
    now = now or timezone.now()
    qr = parse_fiscal_qr(qr_text)
    if qr.operation_type != SALE:
        raise ClaimNotASale()
    receipt_at = qr.local_time.replace(tzinfo=_chain_zone())
    if receipt_at < now - claim_window():
        raise ClaimWindowPassed(hours=settings.RECEIPT_CLAIM_WINDOW_HOURS)
    if receipt_at > now + FUTURE_ALLOWED:
        raise ClaimReceiptInTheFuture()
    # One claim at a time per guest, so two concurrent claims cannot both pass the daily limit.
    guest = Guest.objects.select_for_update(of=("self",)).get(pk=guest.pk)
    if ReceiptClaim.objects.filter(fiscal_key=qr.fiscal_key).exists():
        raise ReceiptAlreadyClaimed()
    local_day_start = timezone.localtime(now, _chain_zone()).replace(hour=0, minute=0, second=0, microsecond=0)
    if ReceiptClaim.objects.filter(guest=guest, created_at__gte=local_day_start).count() >= (
        settings.RECEIPT_CLAIM_DAILY_LIMIT
    ):
        raise ClaimLimitReached(limit=settings.RECEIPT_CLAIM_DAILY_LIMIT)
    try:
        with transaction.atomic():
            claim = ReceiptClaim.objects.create(
                guest=guest,
                source=source,
                created_at=now,
                expires_at=receipt_at + claim_window(),
                **_qr_fields(qr, receipt_at),
            )
    except IntegrityError:  # the same receipt claimed at this very moment by someone else
        raise ReceiptAlreadyClaimed() from None
    receipt = _match(claim)
    if isinstance(receipt, DomainError):
        raise receipt  # the receipt found is someone else's: the whole claim is refused, nothing kept
    if receipt is not None:
        refusal = _accrue(claim, receipt, guest, now)
        if refusal is not None:
            raise refusal
    claim.attempts, claim.last_tried_at = 1, now
    claim.save(update_fields=["attempts", "last_tried_at"])
    return ClaimResult(claim=claim, matched=claim.status == ClaimStatus.MATCHED)


def claim_outcome_text(result: ClaimResult) -> str:
    """What the guest is told after the claim, in the active language."""
    if result.matched:
        return ngettext(
            "Thank you! %(points)d point was added for this receipt.",
            "Thank you! %(points)d points were added for this receipt.",
            result.claim.points_earned,
        ) % {"points": result.claim.points_earned}
    return _(
        "Thank you! The restaurant has not sent this receipt to us yet: we will add the points as soon as it does "
        "(within %(hours)s hours of the visit) and let you know if we cannot."
    ) % {"hours": settings.RECEIPT_CLAIM_WINDOW_HOURS}


def _qr_fields(qr: FiscalQr, receipt_at: datetime.datetime) -> dict[str, object]:
    return {
        "receipt_at": receipt_at,
        "total_amount": qr.total_amount,
        "fiscal_drive": qr.fiscal_drive,
        "document_number": qr.document_number,
        "fiscal_sign": qr.fiscal_sign,
        "operation_type": qr.operation_type,
        "fiscal_key": qr.fiscal_key,
    }


def _candidates(claim: ReceiptClaim) -> QuerySet[Receipt]:
    # Receipts are partitioned by month of arrival: a receipt arrives after its check closed.
    return Receipt.objects.filter(operation=ReceiptOperation.SALE, received_at__gte=claim.receipt_at - ZONE_SPREAD)


def _match(claim: ReceiptClaim) -> Receipt | DomainError | None:
    """The receipt the claim is for: the one with its fiscal document, else the only guest-less one of its sum
    closed within the tolerance of its time (in the receipt's restaurant's time zone). None: not yet known (not
    arrived, not processed yet, or several fit). A ReceiptAlreadyClaimed when its receipt already has a guest."""
    exact = _candidates(claim).filter(fiscal_key=claim.fiscal_key).select_related("restaurant").first()
    if exact is not None:
        refusal = _receipt_refusal(claim, exact)
        if refusal is not None:
            return refusal
        return exact if exact.status == ReceiptStatus.PROCESSED else None
    tolerance = datetime.timedelta(minutes=settings.RECEIPT_CLAIM_TIME_TOLERANCE_MINUTES)
    local_time = claim.receipt_at.astimezone(_chain_zone()).replace(tzinfo=None)
    fitting = [
        receipt
        for receipt in _candidates(claim)
        .filter(
            status=ReceiptStatus.PROCESSED,
            guest__isnull=True,
            guest_identifier="",
            fiscal_key="",  # a receipt with a fiscal document of its own is another receipt
            total_amount=claim.total_amount,
            closed_at__gte=claim.receipt_at - ZONE_SPREAD - tolerance,
            closed_at__lte=claim.receipt_at + ZONE_SPREAD + tolerance,
        )
        .select_related("restaurant")[:50]
        if receipt.closed_at is not None
        and abs(receipt.closed_at.astimezone(restaurant_zone(receipt.restaurant)).replace(tzinfo=None) - local_time)
        <= tolerance
    ]
    # A check refunded since is no visit to claim; left out before counting, so it leaves no doubt either.
    fitting = [receipt for receipt in fitting if not _is_refunded(receipt)]
    return fitting[0] if len(fitting) == 1 else None


def _is_refunded(receipt: Receipt) -> bool:
    return is_refunded_receipt(receipt)


def _receipt_refusal(claim: ReceiptClaim, receipt: Receipt) -> DomainError | None:
    """Why this receipt cannot be the claim's, whoever found it (the QR's fiscal document, or a member's choice on
    the claims page): it has a guest already, its check was refunded, or the POS named another fiscal document."""
    if receipt.guest_id is not None or receipt.guest_identifier:
        return ReceiptAlreadyClaimed()
    if _is_refunded(receipt):
        return ReceiptRefunded()
    if receipt.fiscal_key and receipt.fiscal_key != claim.fiscal_key:
        return ClaimOfAnotherFiscalDocument()
    return None


def _accrue(claim: ReceiptClaim, receipt: Receipt, guest: Guest, now: datetime.datetime) -> DomainError | None:
    """Attach the guest to the receipt and accrue it as the drain would; the claim is matched. A refusal of the
    loyalty core (a blocked guest, ...) comes back with nothing written for the receipt."""
    locked = (
        Receipt.objects.select_for_update(of=("self",))
        .filter(pk=receipt.pk, received_at=receipt.received_at, guest__isnull=True, status=ReceiptStatus.PROCESSED)
        .first()
    )
    if locked is None:
        return ReceiptAlreadyClaimed()
    item = CheckToApply(
        guest=guest,
        check=loyalty_check_for(locked, receipt.restaurant),
        restaurant=receipt.restaurant,
        idempotency_key=locked.idempotency_key,
        receipt_id=locked.pk,
    )
    result = apply_checks([item])[0]
    if isinstance(result, DomainError):
        return result
    visit_id = result.visit.pk if result.visit is not None else None
    Receipt.objects.filter(pk=locked.pk, received_at=locked.received_at).update(
        guest=guest, points_earned=result.earned, visit_id=visit_id, outcome_reason="claimed", processed_at=now
    )
    claim.status, claim.receipt_id, claim.receipt_received_at = ClaimStatus.MATCHED, locked.pk, locked.received_at
    claim.restaurant_id, claim.points_earned, claim.matched_at = locked.restaurant_id, result.earned, now
    claim.outcome_reason = ""
    claim.save(
        update_fields=[
            "status",
            "receipt_id",
            "receipt_received_at",
            "restaurant",
            "points_earned",
            "matched_at",
            "outcome_reason",
        ]
    )
    emit_after_commit(
        receipts_processed,
        sender=Receipt,
        receipts=[
            ProcessedReceipt(
                receipt_id=locked.pk,
                restaurant_id=locked.restaurant_id,
                guest_id=guest.pk,
                status=str(ReceiptStatus.PROCESSED.value),
                received_at=locked.received_at,
            )
        ],
    )
    return None


def retry_pending_claims(*, now: datetime.datetime | None = None) -> int:
    """The POS tick's part: pending claims past their window expire (the guest is told), the others not tried for
    RETRY_EVERY are matched again against what the POS sent since. How many claims were matched or expired."""
    now = now or timezone.now()
    ids = list(
        ReceiptClaim.objects.filter(status=ClaimStatus.PENDING, last_tried_at__lte=now - RETRY_EVERY)
        .order_by("last_tried_at")
        .values_list("pk", flat=True)[:RETRY_BATCH]
    )
    ids += ReceiptClaim.objects.filter(status=ClaimStatus.PENDING, last_tried_at__isnull=True).values_list(
        "pk", flat=True
    )[:RETRY_BATCH]
    settled = 0
    for claim_id in ids:
        try:
            settled += _retry_claim(claim_id, now)
        except Exception:  # one bad claim must not stop the others; it is tried again next tick
            logger.exception("Receipt claim %s could not be retried", claim_id)
    return settled


@transaction.atomic
def _retry_claim(claim_id: int, now: datetime.datetime) -> bool:
    claim = (
        ReceiptClaim.objects.select_for_update(skip_locked=True)
        .filter(pk=claim_id, status=ClaimStatus.PENDING)
        .select_related("guest")
        .first()
    )
    if claim is None:
        return False
    if claim.expires_at <= now:
        _expire(claim, now)
        return True
    claim.attempts += 1
    claim.last_tried_at = now
    claim.save(update_fields=["attempts", "last_tried_at"])
    receipt = _match(claim)
    if isinstance(receipt, DomainError):
        _refuse(claim, receipt.code)
        return True
    if receipt is None:
        return False
    refusal = _accrue(claim, receipt, claim.guest, now)  # a refusal of the loyalty core wrote nothing
    if refusal is not None:
        _refuse(claim, refusal.code)
    return True


def _refuse(claim: ReceiptClaim, reason: str) -> None:
    claim.status, claim.outcome_reason = ClaimStatus.REFUSED, reason[:64]
    claim.save(update_fields=["status", "outcome_reason"])


def _expire(claim: ReceiptClaim, now: datetime.datetime) -> None:
    claim.status, claim.outcome_reason = ClaimStatus.EXPIRED, "not_found"
    claim.save(update_fields=["status", "outcome_reason"])
    _tell_guest(claim, "expired", now)


def _tell_guest(claim: ReceiptClaim, outcome: str, now: datetime.datetime) -> None:
    """The guest is told, in their language, why the claim earned nothing: not found in time, or rejected by the
    staff with their reason. Once per claim and outcome (the message's dedupe key)."""
    guest = claim.guest
    with translation.override(guest.language or settings.LANGUAGE_CODE):
        values = {
            "date": date_format(timezone.localtime(claim.receipt_at, _chain_zone()), "SHORT_DATETIME_FORMAT"),
            "amount": claim.total_amount,
            "reason": claim.review_note,
        }
        if outcome == "expired":
            text = _(
                "We could not find your receipt of %(date)s for %(amount)s ₽ in the restaurant's data, so no points "
                "were added for it. If you think this is a mistake, please show the receipt to the restaurant staff."
            )
            subject = _("Your receipt was not found")
        else:
            text = _(
                "The restaurant checked your receipt of %(date)s for %(amount)s ₽ and could not accept it, so no "
                "points were added for it. The reason: %(reason)s"
            )
            subject = _("Your receipt was not accepted")
    send_to_guest(
        guest=guest,
        kind=CLAIM_MESSAGE_KIND,
        dedupe_key=f"receipt-claim-{outcome}:{claim.pk}",
        text=text % values,
        subject=subject,
        is_marketing=False,
        now=now,
    )


def _open_claim(access: ChainAccess, claim_id: int, statuses: tuple[str, ...]) -> ReceiptClaim:
    """The claim, locked, if the member may see it and it is in one of `statuses` (else ClaimSettled)."""
    access_claim(access=access, claim_id=claim_id)  # the same 404 for missing and not theirs
    claim = ReceiptClaim.objects.select_for_update(of=("self",)).select_related("guest").get(pk=claim_id)
    if claim.status not in statuses:
        raise ClaimSettled()
    return claim


@transaction.atomic
def match_claim_to_receipt(
    *, access: ChainAccess, claim_id: int, receipt_id: int, note: str = "", now: datetime.datetime | None = None
) -> ReceiptClaim:
    """A member matches a claim to the receipt they chose (a waiting claim, or one that expired: the guest was told
    to show the receipt to the staff). The receipt must be one the automatic matching could have taken apart from
    sum and time (guest-less, processed, not refunded, no other fiscal document; in the member's restaurants); the
    accrual is the automatic one (_accrue). Audited."""
    now = now or timezone.now()
    claim = _open_claim(access, claim_id, MATCHABLE_CLAIM_STATUSES)
    receipt = receipt_for_manual_match(access=access, claim=claim, receipt_id=receipt_id)
    refusal = _receipt_refusal(claim, receipt) or _accrue(claim, receipt, claim.guest, now)
    if refusal is not None:
        raise refusal
    claim.review_note = note[:500]
    claim.save(update_fields=["review_note"])
    record_audit(
        action="receipt_claim.matched",
        actor=access.user,
        target=claim,
        data={
            "guest_id": claim.guest_id,
            "receipt_id": receipt.pk,
            "external_id": receipt.external_id,
            "points": claim.points_earned,
        },
        reason=note,
        restaurant_id=receipt.restaurant_id,
    )
    return claim


@transaction.atomic
def reject_claim(
    *, access: ChainAccess, claim_id: int, reason: str, now: datetime.datetime | None = None
) -> ReceiptClaim:
    """A member rejects a waiting claim with a reason; the guest is told it. Audited."""
    now = now or timezone.now()
    claim = _open_claim(access, claim_id, REJECTABLE_CLAIM_STATUSES)
    claim.status, claim.outcome_reason, claim.review_note = ClaimStatus.REFUSED, "rejected", reason.strip()[:500]
    claim.save(update_fields=["status", "outcome_reason", "review_note"])
    record_audit(
        action="receipt_claim.rejected",
        actor=access.user,
        target=claim,
        data={"guest_id": claim.guest_id, "fiscal_key": claim.fiscal_key},
        reason=claim.review_note,
        restaurant_id=claim.restaurant_id,
    )
    _tell_guest(claim, "rejected", now)
    return claim
