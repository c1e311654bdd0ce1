"""A receipt stored by the acknowledgement's one statement (maxloyalty.db.set_based_writes.insert_new_values: the
rows as one JSON parameter) reads back exactly as given: microseconds, decimals, nested and non-Latin JSON, NULLs;
a row clashing with a stored receipt, or with an earlier row of the same statement, is skipped.

A canary: run it on every Django or psycopg upgrade (docs/hot-path.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from maxloyalty.db.set_based_writes import insert_new_values
from pos.models import Receipt, ReceiptSource
from pos.services.receipts import insert_new_receipts, receipt_values
from pos.tests.conftest import SignedWebhook, check_payload, parsed_check

MOSCOW = dt.timezone(dt.timedelta(hours=3))


def _values(webhook: SignedWebhook, external_id: str, **overrides: object) -> dict[str, object]:
    payload = check_payload(external_id)
    payload["items"][0]["name"] = "Капучино «большой» ☕"
    values = receipt_values(
        parsed_check(payload),
        connection_id=webhook.connection.pk,
        restaurant_id=webhook.connection.restaurant_id,
        source=ReceiptSource.WEBHOOK,
        received_at=dt.datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=MOSCOW),
    )
    values.update(overrides)
    return values


def test_every_value_reads_back_as_given(webhook: SignedWebhook) -> None:
    values = _values(
        webhook, "INS-1", total_amount=Decimal("1234.56"), payments=[{"type": "card", "amount": "1234.56"}]
    )
    [receipt_id] = insert_new_receipts([values])

    stored = Receipt.objects.get(pk=receipt_id)
    assert stored.received_at == dt.datetime(2026, 12, 2, 6, 30, 15, 123456, tzinfo=dt.UTC)
    assert stored.closed_at == dt.datetime(2026, 11, 25, 16, 40, tzinfo=dt.UTC)
    assert stored.total_amount == Decimal("1234.56")
    assert stored.payments == [{"type": "card", "amount": "1234.56"}]
    assert stored.lines == values["lines"]
    assert stored.lines[0]["name"] == "Капучино «большой» ☕"
    assert stored.payload == values["payload"]
    assert stored.status == "received"
    assert stored.source == ReceiptSource.WEBHOOK
    assert (stored.processed_at, stored.guest_id, stored.next_attempt_at) == (None, None, None)
    assert stored.content_digest == values["content_digest"]


def test_a_row_clashing_with_a_stored_or_an_earlier_row_is_skipped(webhook: SignedWebhook) -> None:
    [first] = insert_new_receipts([_values(webhook, "INS-2")])

    returned = insert_new_values(
        Receipt,
        [_values(webhook, "INS-2"), _values(webhook, "INS-3"), _values(webhook, "INS-3"), _values(webhook, "INS-4")],
        returning=("external_id",),
    )

    assert [external_id for _pk, external_id in returned] == ["INS-3", "INS-4"]
    assert [pk for pk, _external_id in returned] == sorted(pk for pk, _external_id in returned)
    assert Receipt.objects.filter(external_id__startswith="INS-").count() == 3
    assert Receipt.objects.get(external_id="INS-2").pk == first


def test_a_value_missing_from_a_row_is_refused_before_anything_is_stored(webhook: SignedWebhook) -> None:
    values = _values(webhook, "INS-5")
    del values["terminal"]

    with pytest.raises(KeyError):
        insert_new_receipts([values])
    assert not Receipt.objects.filter(external_id="INS-5").exists()
