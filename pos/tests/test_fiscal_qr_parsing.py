"""The fiscal receipt's QR text is read field by field; anything else is refused with a message naming what is wrong."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from maxloyalty.errors import ValidationFailed
from pos.fiscal_qr import parse_fiscal_qr

VALID = "t=20261207T1930&s=1234.50&fn=9960440300000001&i=00123&fp=2345678901&n=1"


def test_a_receipt_qr_gives_its_time_sum_and_fiscal_document():
    qr = parse_fiscal_qr(VALID)
    assert qr.local_time == datetime(2026, 12, 7, 19, 30)  # the till's local time has no zone
    assert qr.total_amount == Decimal("1234.50")
    assert (qr.fiscal_drive, qr.document_number, qr.fiscal_sign, qr.operation_type) == (
        "9960440300000001",
        "00123",
        "2345678901",
        "1",
    )
    # Tills print the number with or without leading zeros: one document, one key.
    assert qr.fiscal_key == parse_fiscal_qr(VALID.replace("i=00123", "i=123")).fiscal_key


def test_seconds_and_a_whole_sum_are_read_too():
    qr = parse_fiscal_qr("t=20261207T193015&s=900&fn=9960440300000001&i=1&fp=1&n=1")
    assert qr.local_time.second == 15
    assert qr.total_amount == Decimal("900.00")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("hello", "not the QR code"),
        ("https://example.com/menu", "not the QR code"),
        (VALID.replace("t=20261207T1930", "t=yesterday"), "time (t)"),
        (VALID.replace("s=1234.50", "s=12,34"), "sum (s)"),
        (VALID.replace("fn=9960440300000001", "fn=123"), "fiscal drive number (fn)"),
        (VALID.replace("&fp=2345678901", ""), "fiscal sign (fp)"),
        (VALID.replace("i=00123", "i=abc"), "document number (i)"),
    ],
)
def test_a_malformed_qr_is_refused_naming_the_field(text, named):
    with pytest.raises(ValidationFailed) as refused:
        parse_fiscal_qr(text)
    assert named in refused.value.fields["qr"][0]
