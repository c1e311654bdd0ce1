"""Checks a POS was polled for, or notified of (iiko, R-Keeper), stored as received receipts in one statement;
those already stored are recognised by their external id."""

from __future__ import annotations

from dataclasses import replace

from django.db import transaction

from guests.phones import normalize_phone
from maxloyalty.errors import DomainError
from observability.metrics import POS_CHECKS_RECEIVED
from pos.check_format import PosCheck, without_nul
from pos.models import Receipt, ReceiptOperation
from pos.selectors import connection_kind
from pos.services.receipts.acknowledgement import insert_new_receipts, receipt_values
from pos.services.receipts.scheduling import request_processing


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
    if new_ids:  # the metric of new checks, as for pushed ones (pos.services.receipts.acknowledgement)
        POS_CHECKS_RECEIVED.labels(pos_kind=connection_kind(connection_id), source=str(source)).inc(len(new_ids))
    return new_ids


def _with_guest(check: PosCheck, kind: str, value: str) -> PosCheck:
    return replace(check, guest_kind=kind, guest_value=value)
