"""Every column of a receipt is classified once, in pos/models.py, by who writes it: the acknowledgement (from the
check) or processing (the outcome). A field added to Receipt without a group fails here, saying where to add it."""

from __future__ import annotations

from guests.models import GUEST_FIELDS_FOR_CHECKS, Guest
from pos.models import RECEIPT_CHECK_FIELDS, RECEIPT_OUTCOME_FIELDS, RECEIPT_PROCESSING_FIELDS, Receipt
from pos.services.receipts import receipt_values
from pos.tests.conftest import check_payload, parsed_check

WHERE = (
    "add it to RECEIPT_CHECK_FIELDS (a value from the check: set it in receipt_values, "
    "pos/services/receipts/acknowledgement.py) or to RECEIPT_OUTCOME_FIELDS (written by processing; a new receipt "
    "starts at the field's default) in pos/models.py, and to RECEIPT_PROCESSING_FIELDS if processing reads it"
)


def _columns() -> set[str]:
    return {field.name for field in Receipt._meta.concrete_fields if not field.primary_key}


def test_every_receipt_column_is_written_by_the_acknowledgement_or_by_processing():
    check, outcome = set(RECEIPT_CHECK_FIELDS), set(RECEIPT_OUTCOME_FIELDS)
    unclassified = sorted(_columns() - check - outcome)
    assert not unclassified, f"Receipt fields in no column group: {unclassified}: {WHERE}"
    both = sorted(check & outcome)
    assert not both, f"Receipt fields in both column groups: {both}: keep each in one (pos/models.py)"
    gone = sorted((check | outcome | set(RECEIPT_PROCESSING_FIELDS)) - _columns())
    assert not gone, f"Column groups name fields Receipt no longer has: {gone}: remove them (pos/models.py)"
    assert len(check) == len(RECEIPT_CHECK_FIELDS) and len(outcome) == len(RECEIPT_OUTCOME_FIELDS)


def test_processing_reads_only_columns_of_the_check():
    assert set(RECEIPT_PROCESSING_FIELDS) <= set(RECEIPT_CHECK_FIELDS)


def test_a_new_receipt_has_a_value_for_every_column_and_its_outcome_starts_at_the_defaults():
    values = receipt_values(
        parsed_check(check_payload("COL-1", guest=None)), connection_id=1, restaurant_id=2, source="webhook"
    )
    attnames = {Receipt._meta.get_field(name).attname for name in _columns()}
    assert set(values) == attnames, f"receipt_values misses {sorted(attnames - set(values))}: {WHERE}"
    defaults = {
        Receipt._meta.get_field(name).attname: Receipt._meta.get_field(name).get_default()
        for name in RECEIPT_OUTCOME_FIELDS
    }
    assert {attname: values[attname] for attname in defaults} == defaults
    assert (values["status"], values["points_earned"], values["guest_id"]) == ("received", 0, None)


def test_the_guest_columns_a_batch_reads_are_guest_fields():
    assert set(GUEST_FIELDS_FOR_CHECKS) <= {field.name for field in Guest._meta.concrete_fields}
