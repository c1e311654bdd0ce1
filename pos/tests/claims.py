"""Helpers of the receipt-claim tests: receipts sent as the POS sends them, and the QR text of such a receipt."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal
from typing import Any

from django.utils import timezone

from loyalty.selectors import current_chain
from pos.tests.conftest import check_payload, process_everything

FISCAL_DRIVE = "9960440300000001"


def chain_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(current_chain().time_zone or "UTC")


def qr_text(
    at: datetime.datetime, amount: str = "1000.00", *, document: int = 1, sign: int = 1111, kind: int = 1
) -> str:
    local = timezone.localtime(at, chain_zone())
    return f"t={local:%Y%m%dT%H%M}&s={amount}&fn={FISCAL_DRIVE}&i={document}&fp={sign}&n={kind}"


def send_guestless_check(
    webhook: Any,
    external_id: str,
    *,
    closed_at: datetime.datetime,
    fiscal: dict[str, Any] | None = None,
    **overrides: Any,
) -> None:
    """A check of 1000.00 the POS sends without a guest, processed by the drain (no points for anyone)."""
    payload = check_payload(external_id, closed_at=closed_at.isoformat(), opened_at=None, **overrides)
    if fiscal is not None:
        payload["fiscal"] = fiscal
    response = webhook.post(payload)
    assert response.status_code in (200, 201, 202), response.content
    process_everything()


def fiscal_of(document: int = 1, sign: int = 1111) -> dict[str, Any]:
    return {"fn": FISCAL_DRIVE, "i": str(document), "fp": str(sign)}


ONE_THOUSAND = Decimal("1000.00")
