"""The acknowledgement: a pushed check stored as a received receipt, in one INSERT ... ON CONFLICT DO NOTHING
RETURNING id for all the checks of one moment. A second delivery, even a concurrent one, runs into the unique
constraint (connection, external id, operation) and is answered from the stored receipt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Field
from django.utils import timezone

from maxloyalty.db.set_based_writes import insert_new_values
from observability.metrics import POS_CHECKS_RECEIVED
from pos.check_format import PosCheck
from pos.errors import ExternalIdReused
from pos.models import RECEIPT_OUTCOME_FIELDS, Receipt, ReceiptStatus
from pos.selectors import connection_kind, receipt_with_check_id
from pos.services.receipts.scheduling import request_processing


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


def _outcome_before_processing() -> dict[str, Any]:
    """A new receipt's outcome columns (by attname): each field's default (status received, nothing earned, ...)."""
    fields: list[Field[Any, Any]] = [Receipt._meta.get_field(name) for name in RECEIPT_OUTCOME_FIELDS]  # type: ignore[misc]  # columns
    if any(field.has_default() and callable(field.default) for field in fields):
        raise TypeError("An outcome field of Receipt has a callable default: receipt_values gives every new row one")
    return {field.attname: field.get_default() for field in fields}


_NEW_OUTCOME = _outcome_before_processing()


def receipt_values(
    check: PosCheck, *, connection_id: int, restaurant_id: int, source: str, received_at: datetime | None = None
) -> dict[str, Any]:
    """A new receipt's column values (by attname; JSON columns as the objects themselves) for the check: the
    columns of pos.models.RECEIPT_CHECK_FIELDS from the check, those of RECEIPT_OUTCOME_FIELDS at their defaults."""
    lines = check.lines_json()
    return {
        **_NEW_OUTCOME,
        "connection_id": connection_id,
        "restaurant_id": restaurant_id,
        "external_id": check.external_id,
        "operation": check.operation,
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
        "fiscal_key": check.fiscal_key,
        "received_at": received_at or timezone.now(),
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
        sources = {tuple(row[column] for column in _RECEIPT_KEY): row["source"] for row in rows}
        for key in inserted:  # the metric of new checks (a repeated delivery is not one), counted where they are stored
            POS_CHECKS_RECEIVED.labels(pos_kind=connection_kind(key[0]), source=sources[key]).inc()
    return [inserted.pop(tuple(row[column] for column in _RECEIPT_KEY), None) for row in rows]


def receive_check(*, connection_id: int, restaurant_id: int, check: PosCheck, source: str) -> ReceiptState:
    """Store a pushed check (status received) and ask for processing after commit. One INSERT when new; a repeat
    answers the stored receipt's status and result."""
    receipt_id = acknowledge_check(connection_id=connection_id, restaurant_id=restaurant_id, check=check, source=source)
    if receipt_id is not None:
        return ReceiptState(receipt_id=receipt_id, status=ReceiptStatus.RECEIVED, created=True)
    stored = (
        receipt_with_check_id(connection_id=connection_id, external_id=check.external_id, operation=check.operation)
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
