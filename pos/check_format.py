"""The internal check format every POS path produces (webhook, iiko, R-Keeper), and the webhook's JSON parser.

Pure: no database. The webhook body (documented in docs/pos-protocol.md) looks like
    {"external_id": "A-1001", "status": "closed", "closed_at": "2026-11-25T19:40:00+03:00",
     "guest": {"phone": "+79161234567"}, "items": [{"sku": "101", "name": "Latte", "category": "coffee",
     "quantity": 2, "price": "250.00", "discount": "50.00"}], "total_amount": "450.00", "currency": "RUB",
     "points_to_spend": 100, "payments": [{"type": "card", "amount": "350.00"}],
     "fiscal": {"fn": "9960440300000001", "i": "1234", "fp": "2345678901"}}
`fiscal` (optional) names the fiscal document printed for the check: a guest's claim from its QR finds it.
Amounts are parsed as Decimal from the raw JSON (never through float).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from maxloyalty.errors import ValidationFailed
from maxloyalty.json_bodies import load_json
from pos.errors import MalformedJson
from pos.fiscal_qr import fiscal_key

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")
MAX_LINES = 500
GUEST_KINDS = ("phone", "card", "qr")
SALE_STATUSES = {"closed", "paid"}
REFUND_STATUSES = {"refunded", "cancelled", "canceled", "deleted"}
_CARD = re.compile(r"^[A-Za-z0-9]{4,32}$")
_QR = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_FISCAL_DRIVE = re.compile(r"^\d{16}$")
_FISCAL_NUMBER = re.compile(r"^\d{1,10}$")


@dataclass(frozen=True)
class PosCheckLine:
    sku: str
    name: str
    category: str
    quantity: Decimal
    price: Decimal
    discount: Decimal = Decimal(0)

    @property
    def net_amount(self) -> Decimal:
        return self.quantity * self.price - self.discount


@dataclass(frozen=True)
class PosCheck:
    """One check in our own terms; `operation` is "sale" or "refund" (a refund of the sale with the same id)."""

    external_id: str
    operation: str
    total_amount: Decimal
    currency: str
    closed_at: datetime | None = None
    opened_at: datetime | None = None
    terminal: str = ""
    guest_kind: str = ""  # "phone" | "card" | "qr" | "" (no guest)
    guest_value: str = ""
    lines: tuple[PosCheckLine, ...] = ()
    payments: tuple[dict[str, str], ...] = ()
    points_to_spend: int = 0
    promo_code: str = ""
    fiscal_key: str = ""  # the fiscal document printed for the check (pos.fiscal_qr.fiscal_key), when the POS says
    payload: dict[str, Any] = field(default_factory=dict, compare=False)

    def lines_json(self) -> list[dict[str, str]]:
        return [
            {
                "sku": line.sku,
                "name": line.name,
                "category": line.category,
                "quantity": str(line.quantity),
                "price": str(line.price),
                "discount": str(line.discount),
            }
            for line in self.lines
        ]

    def content_digest(self, lines_json: list[dict[str, str]] | None = None) -> str:
        """Stable fingerprint of what the check says (not of how the JSON was spelled)."""
        canonical = {
            "operation": self.operation,
            "total_amount": str(self.total_amount),
            "currency": self.currency,
            "closed_at": self.closed_at.isoformat() if self.closed_at else "",
            "guest": f"{self.guest_kind}:{self.guest_value}",
            "lines": self.lines_json() if lines_json is None else lines_json,
            "points_to_spend": self.points_to_spend,
            "promo_code": self.promo_code,
        }
        return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def load_json_body(body: bytes) -> Any:
    try:
        data = load_json(body, parse_float=Decimal)
    except ValueError:  # not JSON, NaN or Infinity, or nested too deeply (maxloyalty.json_bodies)
        raise MalformedJson(_("The body is not valid JSON.")) from None
    if b"\\u0000" in body and _holds_nul(data):  # PostgreSQL stores no NUL character, in text or in JSON
        raise ValidationFailed(
            fields={"non_field_errors": [_("The check must not contain the NUL character (\\u0000) in any text.")]}
        )
    return data


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def without_nul(check: PosCheck) -> PosCheck:
    """The check with every NUL character (\\u0000) dropped from its texts and its payload, for pulled orders: a
    webhook carrying one is refused (load_json_body), but an order fetched from the POS cannot be, and PostgreSQL
    stores no NUL in text or JSON. The same check when it holds none (the usual case costs one walk)."""
    if not _holds_nul(_check_texts(check)):
        return check
    return dataclasses.replace(
        check,
        external_id=_strip_nul(check.external_id),
        terminal=_strip_nul(check.terminal),
        guest_value=_strip_nul(check.guest_value),
        promo_code=_strip_nul(check.promo_code),
        lines=tuple(
            dataclasses.replace(
                line, sku=_strip_nul(line.sku), name=_strip_nul(line.name), category=_strip_nul(line.category)
            )
            for line in check.lines
        ),
        payments=tuple(_strip_nul(payment) for payment in check.payments),
        payload=_strip_nul(check.payload),
    )


def _check_texts(check: PosCheck) -> list[Any]:
    return [
        check.external_id,
        check.terminal,
        check.guest_value,
        check.promo_code,
        [[line.sku, line.name, line.category] for line in check.lines],
        list(check.payments),
        check.payload,
    ]


def _strip_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_strip_nul(key): _strip_nul(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_strip_nul(item) for item in value)
    return value


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)


def _text(value: Any, name: str, errors: _Errors, *, required: bool = False, max_length: int = 200) -> str:
    if value is None or value == "":
        if required:
            errors.add(name, _("This field is required."))
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        errors.add(name, _("Must be a string."))
        return ""
    text = str(value).strip()
    if len(text) > max_length:
        errors.add(
            name,
            ngettext("At most %(count)d character.", "At most %(count)d characters.", max_length)
            % {"count": max_length},
        )
        return ""
    if required and not text:
        errors.add(name, _("This field is required."))
    return text


def _decimal(value: Any, name: str, errors: _Errors, *, places: int = 2, required: bool = True) -> Decimal | None:
    if value is None or value == "":
        if required:
            errors.add(name, _("This field is required."))
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        errors.add(name, _("Must be a number."))
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors.add(name, _("Must be a number."))
        return None
    if not number.is_finite():
        errors.add(name, _("Must be a number."))
        return None
    if number < 0:
        errors.add(name, _("Must not be negative."))
        return None
    if number > MAX_AMOUNT:
        errors.add(name, _("Too large."))
        return None
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        errors.add(
            name,
            ngettext("At most %(places)d decimal place.", "At most %(places)d decimal places.", places)
            % {"places": places},
        )
        return None
    return number


def _moment(value: Any, name: str, errors: _Errors, zone: zoneinfo.ZoneInfo, *, required: bool) -> datetime | None:
    if value in (None, ""):
        if required:
            errors.add(name, _("This field is required."))
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        errors.add(name, _("Must be an ISO 8601 date and time, e.g. 2026-11-25T19:40:00+03:00."))
        return None
    if timezone.is_naive(parsed):
        # A time without an offset is the restaurant's local time (what most tills send).
        parsed = parsed.replace(tzinfo=zone)
    return parsed


def _guest(value: Any, errors: _Errors, normalize_phone: Callable[[str], str]) -> tuple[str, str]:
    if value in (None, {}, ""):
        return "", ""
    if not isinstance(value, dict):
        errors.add("guest", _('Must be an object such as {"phone": "+79161234567"}.'))
        return "", ""
    given = {key: item for key, item in value.items() if item not in (None, "")}
    unknown = sorted(set(given) - set(GUEST_KINDS))
    if unknown or len(given) != 1:
        errors.add("guest", _("Identify the guest by exactly one of: phone, card, qr."))
        return "", ""
    kind, raw = next(iter(given.items()))
    if not isinstance(raw, str):
        errors.add(f"guest.{kind}", _("Must be a string."))
        return "", ""
    if kind == "phone":
        try:
            return kind, normalize_phone(raw)
        except ValidationFailed:
            errors.add("guest.phone", _("Not a valid phone number."))
            return "", ""
    cleaned = raw.replace(" ", "").replace("-", "") if kind == "card" else raw.strip()
    if not (_CARD if kind == "card" else _QR).match(cleaned):
        errors.add(f"guest.{kind}", _("Not a valid card number.") if kind == "card" else _("Not a valid QR token."))
        return "", ""
    return kind, cleaned


def _lines(value: Any, errors: _Errors, *, required: bool) -> tuple[PosCheckLine, ...]:
    if value in (None, []):
        if required:
            errors.add("items", _("A check needs at least one item."))
        return ()
    if not isinstance(value, list):
        errors.add("items", _("Must be a list."))
        return ()
    if len(value) > MAX_LINES:
        errors.add(
            "items", ngettext("At most %(count)d item.", "At most %(count)d items.", MAX_LINES) % {"count": MAX_LINES}
        )
        return ()
    lines = []
    for index, item in enumerate(value):
        prefix = f"items[{index}]"
        if not isinstance(item, dict):
            errors.add(prefix, _("Must be an object."))
            continue
        before = len(errors.fields)
        quantity = _decimal(item.get("quantity"), f"{prefix}.quantity", errors, places=3)
        price = _decimal(item.get("price"), f"{prefix}.price", errors)
        discount = _decimal(item.get("discount"), f"{prefix}.discount", errors, required=False) or Decimal(0)
        line = PosCheckLine(
            sku=_text(item.get("sku"), f"{prefix}.sku", errors, max_length=64),
            name=_text(item.get("name"), f"{prefix}.name", errors, required=True),
            category=_text(item.get("category"), f"{prefix}.category", errors, max_length=100),
            quantity=quantity or Decimal(0),
            price=price or Decimal(0),
            discount=discount,
        )
        if quantity is not None and quantity == 0:
            errors.add(f"{prefix}.quantity", _("Must be more than zero."))
        if price is not None and quantity is not None and discount > quantity * price:
            errors.add(f"{prefix}.discount", _("The discount is larger than the line."))
        if len(errors.fields) == before:
            lines.append(line)
    return tuple(lines)


def _payments(value: Any, errors: _Errors) -> tuple[dict[str, str], ...]:
    if value in (None, []):
        return ()
    if not isinstance(value, list):
        errors.add("payments", _("Must be a list."))
        return ()
    payments = []
    for index, item in enumerate(value[:20]):
        if not isinstance(item, dict):
            errors.add(f"payments[{index}]", _("Must be an object."))
            continue
        kind = _text(item.get("type"), f"payments[{index}].type", errors, required=True, max_length=32)
        amount = _decimal(item.get("amount"), f"payments[{index}].amount", errors)
        if kind and amount is not None:
            payments.append({"type": kind, "amount": str(amount)})
    return tuple(payments)


def _fiscal(value: Any, errors: _Errors) -> str:
    """The fiscal document's key (pos.fiscal_qr.fiscal_key) from {"fn", "i", "fp"}; "" when not given."""
    if value in (None, {}, ""):
        return ""
    if not isinstance(value, dict):
        errors.add(
            "fiscal", _('Must be an object such as {"fn": "9960440300000001", "i": "1234", "fp": "2345678901"}.')
        )
        return ""
    parts = []
    for key, pattern, message in (
        ("fn", _FISCAL_DRIVE, _("Must be the 16 digits of the fiscal drive number.")),
        ("i", _FISCAL_NUMBER, _("Must be the fiscal document number (digits).")),
        ("fp", _FISCAL_NUMBER, _("Must be the fiscal sign (up to 10 digits).")),
    ):
        raw = value.get(key)
        text = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
        if not pattern.match(text):
            errors.add(f"fiscal.{key}", message)
        parts.append(text)
    if len(errors.fields.keys() & {"fiscal.fn", "fiscal.i", "fiscal.fp"}):
        return ""
    return fiscal_key(*parts)


def total_tolerance(line_count: int) -> Decimal:
    """Rounding each line to kopecks may leave half a kopeck per line; allow a kopeck per line."""
    return CENT * max(1, line_count)


def parse_webhook_check(
    data: Any,
    *,
    default_currency: str,
    zone: zoneinfo.ZoneInfo,
    normalize_phone: Callable[[str], str],
) -> PosCheck:
    """Validate the webhook's JSON; every problem is reported at once as ValidationFailed (422) with fields."""
    errors = _Errors()
    if not isinstance(data, dict):
        raise ValidationFailed(fields={"non_field_errors": [_("The body must be a JSON object (one check).")]})
    external_id = _text(data.get("external_id"), "external_id", errors, required=True, max_length=128)
    status = _text(data.get("status"), "status", errors, max_length=16).lower() or "closed"
    if status not in SALE_STATUSES | REFUND_STATUSES:
        errors.add("status", _("Must be one of: closed, refunded, cancelled."))
    operation = "refund" if status in REFUND_STATUSES else "sale"
    is_sale = operation == "sale"
    currency = _text(data.get("currency"), "currency", errors, max_length=3).upper() or default_currency
    if currency and not _CURRENCY.match(currency):
        errors.add("currency", _("Must be a three-letter ISO 4217 code."))
    total = _decimal(data.get("total_amount"), "total_amount", errors, required=is_sale)
    lines = _lines(data.get("items"), errors, required=is_sale)
    points = data.get("points_to_spend", 0)
    if points in (None, ""):
        points = 0
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        errors.add("points_to_spend", _("Must be a whole number of points, zero or more."))
        points = 0
    guest_kind, guest_value = _guest(data.get("guest"), errors, normalize_phone)
    closed_at = _moment(data.get("closed_at"), "closed_at", errors, zone, required=is_sale)
    opened_at = _moment(data.get("opened_at"), "opened_at", errors, zone, required=False)
    if total is not None and lines and "items" not in errors.fields:
        lines_sum = sum((line.net_amount for line in lines), Decimal(0))
        if abs(lines_sum.quantize(CENT) - total) > total_tolerance(len(lines)):
            errors.add(
                "total_amount",
                _("The items add up to %(sum)s, not %(total)s.") % {"sum": lines_sum.quantize(CENT), "total": total},
            )
    check = PosCheck(
        external_id=external_id,
        operation=operation,
        total_amount=total if total is not None else Decimal(0),
        currency=currency,
        closed_at=closed_at,
        opened_at=opened_at,
        terminal=_text(data.get("terminal"), "terminal", errors, max_length=64),
        guest_kind=guest_kind,
        guest_value=guest_value,
        lines=lines,
        payments=_payments(data.get("payments"), errors),
        points_to_spend=points if is_sale else 0,
        promo_code=_text(data.get("promo_code"), "promo_code", errors, max_length=64),
        fiscal_key=_fiscal(data.get("fiscal"), errors),
        payload=data,
    )
    if errors.fields:
        raise ValidationFailed(fields=errors.fields, external_id=external_id or None)
    return check
