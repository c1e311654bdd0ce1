"""Reads shared by the POS API, the webhook, the tasks and the adapters."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.access import ChainAccess
from guests.selectors import visible_guests
from loyalty.selectors import current_chain
from maxloyalty.encryption import decrypt_json, decrypt_text
from maxloyalty.local_cache import LocalTTLCache
from pos.errors import ClaimNotFound, ConnectionNotFound, ReceiptNotClaimable, ReceiptNotFound
from pos.models import (
    ClaimStatus,
    ConnectionStatus,
    PosConnection,
    Receipt,
    ReceiptClaim,
    ReceiptKey,
    ReceiptOperation,
    ReceiptStatus,
    SyncRun,
)
from restaurants.models import Restaurant


@dataclass(frozen=True)
class InboundAuth:
    """What the webhook needs to accept a push: kept in process for POS_CONNECTION_LOCAL_TTL seconds."""

    connection_id: int
    restaurant_id: int
    kind: str
    is_paused: bool
    secrets: tuple[tuple[str, datetime | None], ...]  # (secret, valid until); None: no end
    inbound_token_digest: str
    zone: zoneinfo.ZoneInfo

    def secrets_in_force(self, now: datetime) -> list[str]:
        return [secret for secret, until in self.secrets if until is None or now <= until]


_local_inbound_auth: LocalTTLCache[int, InboundAuth] = LocalTTLCache("POS_CONNECTION_LOCAL_TTL", per_schema=True)


def forget_inbound_auth(connection_id: int) -> None:
    """Called after a rotation or a change, so this process sees it at once (others within the TTL)."""
    _local_inbound_auth.invalidate(connection_id)


def _zone_for(restaurant_zone: str) -> zoneinfo.ZoneInfo:
    tenant = getattr(connection, "tenant", None)
    for name in (restaurant_zone, getattr(tenant, "time_zone", ""), settings.DEFAULT_CHAIN_TIME_ZONE):
        if name:
            try:
                return zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return zoneinfo.ZoneInfo("UTC")


def inbound_auth(connection_id: int) -> InboundAuth | None:
    """The connection's signing material (decrypted), from the process cache when fresh; None when unknown."""
    cached = _local_inbound_auth.get(connection_id)
    if cached is not None:
        return cached
    row = (
        PosConnection.objects.filter(pk=connection_id)
        .values(
            "restaurant_id",
            "kind",
            "status",
            "signing_secret_encrypted",
            "previous_signing_secret_encrypted",
            "previous_secret_valid_until",
            "inbound_token_digest",
            "restaurant__time_zone",
        )
        .first()
    )
    if row is None:
        return None
    secrets: list[tuple[str, datetime | None]] = []
    if row["signing_secret_encrypted"]:
        secrets.append((decrypt_text(row["signing_secret_encrypted"]), None))
    if row["previous_signing_secret_encrypted"] and row["previous_secret_valid_until"]:
        secrets.append((decrypt_text(row["previous_signing_secret_encrypted"]), row["previous_secret_valid_until"]))
    auth = InboundAuth(
        connection_id=connection_id,
        restaurant_id=row["restaurant_id"],
        kind=row["kind"],
        is_paused=row["status"] == ConnectionStatus.PAUSED,
        secrets=tuple(secrets),
        inbound_token_digest=row["inbound_token_digest"],
        zone=_zone_for(row["restaurant__time_zone"]),
    )
    _local_inbound_auth.set(connection_id, auth)
    return auth


def connection_kind(connection_id: int) -> str:
    """The POS kind of a connection of the current chain (iiko, rkeeper, webhook: the metrics' bounded label), from
    the process cache inbound_auth keeps (warm on the webhook path); "unknown" for a connection that is gone."""
    auth = inbound_auth(connection_id)
    return auth.kind if auth is not None else "unknown"


def connection_credentials(pos_connection: PosConnection) -> dict[str, Any]:
    return decrypt_json(pos_connection.credentials_encrypted)


def restaurant_zone(restaurant: Restaurant) -> zoneinfo.ZoneInfo:
    return _zone_for(restaurant.time_zone)


def visible_connections(access: ChainAccess) -> QuerySet[PosConnection]:
    return access.limit_to_restaurants(PosConnection.objects.select_related("restaurant"))


def access_connection(*, access: ChainAccess, connection_id: int) -> PosConnection:
    found = visible_connections(access).filter(pk=connection_id).first()
    if found is None:
        raise ConnectionNotFound(connection_id=connection_id)
    return found


def visible_receipts(access: ChainAccess) -> QuerySet[Receipt]:
    return access.limit_to_restaurants(Receipt.objects.all())


def receipt_list(*, access: ChainAccess, params: dict[str, Any]) -> QuerySet[Receipt]:
    receipts = visible_receipts(access).select_related("connection")
    if params.get("status"):
        receipts = receipts.filter(status=params["status"])
    if params.get("failed"):
        receipts = receipts.filter(status="failed")
    if params.get("restaurant"):
        receipts = receipts.filter(restaurant_id=params["restaurant"])
    if params.get("connection"):
        receipts = receipts.filter(connection_id=params["connection"])
    if params.get("external_id"):
        receipts = receipts.filter(receipts_with_external_id(params["external_id"]))
    if params.get("received_from"):
        receipts = receipts.filter(received_at__gte=params["received_from"])
    if params.get("received_to"):
        receipts = receipts.filter(received_at__lt=params["received_to"])
    return receipts.order_by("-received_at", "-id")


def failed_receipts(*, restaurant: Restaurant) -> QuerySet[Receipt]:
    """The restaurant's checks that failed processing (the status index holds the few received and failed ones)."""
    return Receipt.objects.filter(restaurant=restaurant, status=ReceiptStatus.FAILED).order_by("-received_at", "-id")


def receipts_by_external_id(*, access: ChainAccess, external_id: str, limit: int = 5) -> list[Receipt]:
    """The receipts the staff member may see whose POS check id is `external_id` (a sale and its refund, or the
    same id from two POS connections), newest first: found through ReceiptKey's index of check ids (the receipts
    are partitioned by month and have none of their own), then read among the connections of their restaurants."""
    external_id = external_id.strip()
    if not external_id:
        return []
    connection_ids = list(visible_connections(access).values_list("pk", flat=True))
    receipts = Receipt.objects.filter(receipts_with_external_id(external_id), connection_id__in=connection_ids)
    return list(receipts.select_related("restaurant").order_by("-received_at", "-id")[:limit])


def access_receipt(*, access: ChainAccess, receipt_id: int) -> Receipt:
    receipt = visible_receipts(access).select_related("connection").filter(pk=receipt_id).first()
    if receipt is None:
        raise ReceiptNotFound(receipt_id=receipt_id)
    return receipt


def due_connections(now: datetime | None = None) -> list[PosConnection]:
    """Polled connections whose poll interval has passed since the last attempt (or that never synced).

    A failed attempt counts: the task's own retries (with backoff) cover short outages, the next tick the rest.
    """
    now = now or timezone.now()
    due = []
    for pos_connection in PosConnection.objects.filter(kind__in=["iiko", "rkeeper"]).exclude(
        status=ConnectionStatus.PAUSED
    ):
        attempts = [moment for moment in (pos_connection.last_synced_at, pos_connection.last_error_at) if moment]
        last = max(attempts) if attempts else None
        if last is None or (now - last).total_seconds() >= pos_connection.poll_interval_minutes * 60:
            due.append(pos_connection)
    return due


def latest_sync_runs(pos_connection: PosConnection, limit: int = 20) -> QuerySet[SyncRun]:
    return pos_connection.sync_runs.order_by("-started_at", "-id")[:limit]


def latest_receipts(pos_connection: PosConnection, limit: int = 10) -> list[Receipt]:
    """The connection's last checks with their outcome and guest, newest first (its (connection, -received_at)
    index): the live view of the connection's page."""
    return list(
        Receipt.objects.filter(connection=pos_connection)
        .select_related("guest")
        .only(
            "external_id",
            "operation",
            "status",
            "total_amount",
            "currency",
            "points_earned",
            "points_spent",
            "outcome_reason",
            "last_error",
            "received_at",
            "processed_at",
            "guest__first_name",
            "guest__last_name",
            "guest__is_test",
            "guest__status",
        )
        .order_by("-received_at", "-id")[:limit]
    )


def receipt_with_check_id(*, connection_id: int, external_id: str, operation: str) -> QuerySet[Receipt]:
    """The receipt of this POS check id and operation (none or one), found through ReceiptKey: receipts are
    partitioned by month, and the key gives the id and the month, so one partition is read."""
    found = (
        ReceiptKey.objects.filter(connection_id=connection_id, external_id=external_id, operation=operation)
        .values_list("receipt_id", "received_at")
        .first()
    )
    if found is None:
        return Receipt.objects.none()
    return Receipt.objects.filter(pk=found[0], received_at=found[1])


def receipts_with_external_id(external_id: str) -> Q:
    """The receipts with this POS check id (any connection and operation), as a filter: their ids and months read
    from ReceiptKey first (a handful), so the receipts are then found by key in their months' partitions. A
    subquery instead lets the planner walk every receipt of every month and test each against it."""
    keys = list(ReceiptKey.objects.filter(external_id=external_id).values_list("receipt_id", "received_at")[:100])
    if not keys:
        return Q(pk__in=[])
    return Q(pk__in=[key[0] for key in keys], received_at__in=sorted({key[1] for key in keys}))


# Restaurants of a chain may lie in other time zones than the chain's (a claim's QR time is read in the chain's):
# receipts this far either side of a claim are read, then compared in their own restaurant's local time.
CLAIM_ZONE_SPREAD = timedelta(hours=14)
# How far from the QR's time the staff page looks for receipts the claim may be for (the guest's till may print
# another time than the POS stores, a QR may be read wrong): wider than automatic matching's tolerance.
CANDIDATE_SPAN = timedelta(hours=3)
CANDIDATES_SHOWN = 20


def visible_claims(access: ChainAccess) -> QuerySet[ReceiptClaim]:
    """Claims a member may see: every one for owners and admins; for a manager those matched in their restaurants,
    and those not matched to any restaurant yet whose guest is one of their restaurants' guests (the one rule of
    who sees a guest, guests.selectors.visible_guests): a first-time guest's waiting claim is the owner's and
    admins' to review."""
    claims = ReceiptClaim.objects.select_related("restaurant", "guest")
    if access.restaurant_ids is None:
        return claims
    theirs = Q(restaurant__isnull=True, guest__in=visible_guests(access).values("pk"))
    return claims.filter(Q(restaurant__in=access.restaurant_ids) | theirs)


def receipt_claim_list(
    *,
    access: ChainAccess,
    status: str = "",
    restaurant_id: int | None = None,
    receipt_from: datetime | None = None,
    receipt_until: datetime | None = None,
) -> QuerySet[ReceiptClaim]:
    """Guests' claims from receipts' QR, newest first, by status, restaurant (where matched) and the receipt's time."""
    claims = visible_claims(access)
    if status:
        claims = claims.filter(status=status)
    if restaurant_id is not None:
        claims = claims.filter(restaurant_id=restaurant_id)
    if receipt_from is not None:
        claims = claims.filter(receipt_at__gte=receipt_from)
    if receipt_until is not None:
        claims = claims.filter(receipt_at__lt=receipt_until)
    return claims


def claim_visit_days(date_from: date | None, date_to: date | None) -> tuple[datetime | None, datetime | None]:
    """The list's "visit from / to" days (both included, in the chain's time zone) as receipt_claim_list's
    receipt_from and receipt_until: the claims page and the API read them alike."""
    zone = zoneinfo.ZoneInfo(current_chain().time_zone or "UTC")
    start = datetime.combine(date_from, time.min, tzinfo=zone) if date_from else None
    until = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=zone) if date_to else None
    return start, until


def access_claim(*, access: ChainAccess, claim_id: int) -> ReceiptClaim:
    """One claim the member may see; the same 404 for missing and not theirs."""
    claim = visible_claims(access).filter(pk=claim_id).first()
    if claim is None:
        raise ClaimNotFound()
    return claim


def is_refunded_receipt(receipt: Receipt) -> bool:
    """Whether the POS has sent the refund of the receipt's check (ReceiptKey holds every receipt's check id)."""
    return ReceiptKey.objects.filter(
        connection_id=receipt.connection_id, external_id=receipt.external_id, operation=ReceiptOperation.REFUND
    ).exists()


def claimable_receipts(claim: ReceiptClaim) -> QuerySet[Receipt]:
    """Sale receipts the POS sent without a guest and the pipeline processed, that may be the claim's (receipts are
    partitioned by month of arrival, and a receipt arrives after its check closed)."""
    return Receipt.objects.filter(
        operation=ReceiptOperation.SALE,
        status=ReceiptStatus.PROCESSED,
        guest__isnull=True,
        guest_identifier="",
        received_at__gte=claim.receipt_at - CLAIM_ZONE_SPREAD,
    ).filter(Q(fiscal_key="") | Q(fiscal_key=claim.fiscal_key))


@dataclass(frozen=True)
class CandidateReceipt:
    """A receipt shown beside a claim: how far its close time is from the QR's (in its restaurant's local time),
    whether its sum is the QR's, and whether automatic matching would take it (same sum, within the tolerance)."""

    receipt: Receipt
    minutes_apart: int
    is_same_sum: bool
    fits: bool
    is_refunded: bool


def claim_candidates(*, access: ChainAccess, claim: ReceiptClaim) -> list[CandidateReceipt]:
    """The guest-less receipts of the member's restaurants closed within CANDIDATE_SPAN of the QR's time, those of
    the QR's sum first, then the nearest in time."""
    chain_zone = zoneinfo.ZoneInfo(current_chain().time_zone or "UTC")
    local_time = claim.receipt_at.astimezone(chain_zone).replace(tzinfo=None)
    receipts = access.limit_to_restaurants(claimable_receipts(claim)).filter(
        closed_at__gte=claim.receipt_at - CLAIM_ZONE_SPREAD - CANDIDATE_SPAN,
        closed_at__lte=claim.receipt_at + CLAIM_ZONE_SPREAD + CANDIDATE_SPAN,
    )
    tolerance = timedelta(minutes=settings.RECEIPT_CLAIM_TIME_TOLERANCE_MINUTES)
    found = []
    for receipt in receipts.select_related("restaurant").order_by("closed_at")[:500]:
        assert receipt.closed_at is not None  # filtered on above
        apart = abs(receipt.closed_at.astimezone(restaurant_zone(receipt.restaurant)).replace(tzinfo=None) - local_time)
        if apart > CANDIDATE_SPAN:
            continue
        same_sum = receipt.total_amount == claim.total_amount
        found.append(
            CandidateReceipt(
                receipt=receipt,
                minutes_apart=int(apart.total_seconds() // 60),
                is_same_sum=same_sum,
                fits=same_sum and apart <= tolerance,
                is_refunded=False,
            )
        )
    found.sort(key=lambda candidate: (not candidate.is_same_sum, candidate.minutes_apart))
    return [
        CandidateReceipt(**{**candidate.__dict__, "is_refunded": is_refunded_receipt(candidate.receipt)})
        for candidate in found[:CANDIDATES_SHOWN]
    ]


def receipt_for_manual_match(*, access: ChainAccess, claim: ReceiptClaim, receipt_id: int) -> Receipt:
    """The receipt a member chose for a claim: guest-less, processed, of their restaurants; else
    ReceiptNotClaimable (422 on `receipt_id`, at every door)."""
    receipts: QuerySet[Receipt] = access.limit_to_restaurants(claimable_receipts(claim))
    receipt = receipts.filter(pk=receipt_id).select_related("restaurant").first()
    if receipt is None:
        raise ReceiptNotClaimable()
    return receipt


def matched_receipt(claim: ReceiptClaim) -> Receipt | None:
    if claim.receipt_id is None or claim.receipt_received_at is None:
        return None
    return (
        Receipt.objects.filter(pk=claim.receipt_id, received_at=claim.receipt_received_at)
        .select_related("restaurant")
        .first()
    )


# A member may match a claim still waiting or one that expired (the guest was told to show the receipt to the
# staff), and reject only a waiting one (pos.services.claims decides again under its lock).
MATCHABLE_CLAIM_STATUSES: tuple[str, ...] = (ClaimStatus.PENDING, ClaimStatus.EXPIRED)
REJECTABLE_CLAIM_STATUSES: tuple[str, ...] = (ClaimStatus.PENDING,)


@dataclass(frozen=True)
class ClaimReview:
    """What a member sees of one claim (the claims page and the API alike): the receipt it was matched to, the
    receipts it may be for while it is open, and which actions it still allows."""

    claim: ReceiptClaim
    receipt: Receipt | None
    candidates: list[CandidateReceipt]
    can_match: bool
    can_reject: bool


def claim_review(*, access: ChainAccess, claim: ReceiptClaim) -> ClaimReview:
    can_match = claim.status in MATCHABLE_CLAIM_STATUSES
    return ClaimReview(
        claim=claim,
        receipt=matched_receipt(claim),
        candidates=claim_candidates(access=access, claim=claim) if can_match else [],
        can_match=can_match,
        can_reject=claim.status in REJECTABLE_CLAIM_STATUSES,
    )
