"""The Russian fiscal receipt's QR text (`t=20261207T1930&s=1234.50&fn=…&i=…&fp=…&n=1`), parsed. Pure: no database.

`t` is the till's local time (no zone), `s` the total in roubles with kopecks, (`fn`, `i`, `fp`) identify one fiscal
document (fiscal drive, document number, fiscal sign), `n` the operation type (1 sale, 2 refund of a sale, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl

from django.utils.translation import gettext as _

from maxloyalty.errors import ValidationFailed

MAX_QR_LENGTH = 300
SALE = "1"
_TIME = re.compile(r"^(\d{8})T(\d{4})(\d{2})?$")
_FISCAL_DRIVE = re.compile(r"^\d{16}$")
_DOCUMENT = re.compile(r"^\d{1,10}$")
_SIGN = re.compile(r"^\d{1,10}$")
_SUM = re.compile(r"^\d{1,10}(\.\d{1,2})?$")


@dataclass(frozen=True)
class FiscalQr:
    """One receipt's QR: its local time (naive), total, fiscal drive, document number, fiscal sign, type."""

    local_time: datetime
    total_amount: Decimal
    fiscal_drive: str
    document_number: str
    fiscal_sign: str
    operation_type: str

    @property
    def fiscal_key(self) -> str:
        return fiscal_key(self.fiscal_drive, self.document_number, self.fiscal_sign)


def looks_like_fiscal_qr(text: str) -> bool:
    """Whether a chat message is meant as a receipt's QR text (then it is parsed, and refused with the reason)."""
    lowered = text.strip().lower()
    return len(lowered) <= MAX_QR_LENGTH and "fn=" in lowered and "&" in lowered


def fiscal_key(fiscal_drive: str, document_number: str, fiscal_sign: str) -> str:
    """One fiscal document's key, as stored on a receipt and a claim: drive/number/sign, leading zeros dropped from
    the number and the sign (tills print them either way)."""
    return f"{fiscal_drive}/{int(document_number)}/{int(fiscal_sign)}"


def parse_fiscal_qr(text: str) -> FiscalQr:
    """The QR's fields, or ValidationFailed naming every field that is missing or wrong (field `qr`)."""
    raw = (text or "").strip()
    if not raw or len(raw) > MAX_QR_LENGTH or "=" not in raw:
        raise ValidationFailed(fields={"qr": [_("This is not the QR code of a fiscal receipt.")]})
    fields = {key.strip().lower(): value.strip() for key, value in parse_qsl(raw, keep_blank_values=True)}
    problems: list[str] = []
    local_time = _time(fields.get("t", ""))
    if local_time is None:
        problems.append(_("the time (t) is missing or not like 20261207T1930"))
    total = _sum(fields.get("s", ""))
    if total is None:
        problems.append(_("the sum (s) is missing or not like 1234.50"))
    for key, pattern, label in (
        ("fn", _FISCAL_DRIVE, _("the fiscal drive number (fn) must be 16 digits")),
        ("i", _DOCUMENT, _("the document number (i) must be digits")),
        ("fp", _SIGN, _("the fiscal sign (fp) must be up to 10 digits")),
    ):
        if not pattern.match(fields.get(key, "")):
            problems.append(label)
    operation_type = fields.get("n", SALE) or SALE
    if operation_type not in {"1", "2", "3", "4"}:
        problems.append(_("the operation type (n) must be 1 to 4"))
    if problems:
        raise ValidationFailed(
            fields={
                "qr": [
                    _("This is not the QR code of a fiscal receipt: %(problems)s.") % {"problems": "; ".join(problems)}
                ]
            }
        )
    assert local_time is not None and total is not None
    return FiscalQr(
        local_time=local_time,
        total_amount=total,
        fiscal_drive=fields["fn"],
        document_number=fields["i"],
        fiscal_sign=fields["fp"],
        operation_type=operation_type,
    )


def _time(value: str) -> datetime | None:
    match = _TIME.match(value)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1) + match.group(2) + (match.group(3) or "00"), "%Y%m%d%H%M%S")  # noqa: DTZ007  # the till's local time: the zone is applied by the caller
    except ValueError:
        return None


def _sum(value: str) -> Decimal | None:
    if not _SUM.match(value):
        return None
    try:
        return Decimal(value).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
