"""Test data through the production write paths: guests registered by the guest service, checks sent as a POS
sends them (the webhook's intake service, then the drain's batch writer), each with the effects production runs
after commit (loyalty.events, pos.events, queued tasks).

A test runs inside a transaction that is rolled back, so nothing commits and after-commit callbacks would never
run: `committed_effects()` runs them at the end of its block, as a commit would, in the order registered.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.test import TestCase
from django.utils import timezone

from guests.models import Guest, GuestSource
from guests.phones import normalize_phone
from guests.services import create_guest
from pos.check_format import parse_webhook_check
from pos.models import PosConnection, Receipt
from pos.services import create_connection, drain_pending_receipts, receive_check
from restaurants.models import Restaurant
from tests.fixtures import ChainWorld

_serial = itertools.count(1)


@contextmanager
def committed_effects() -> Iterator[None]:
    """Run the after-commit callbacks of the writes in this block (and those they register) when it ends."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


def register_guest(*, phone: str = "", source: str = GuestSource.CASHIER, **fields: Any) -> Guest:
    """A guest registered by guests.services.create_guest (welcome bonus and guest_registered included)."""
    with committed_effects():
        return create_guest(access=None, phone=phone or f"+7955{next(_serial):07d}", source=source, **fields)


@dataclass(frozen=True)
class CheckSpec:
    """One closed sale as a POS pushes it (`guest` None: a check without a loyalty guest), or with `is_refund` the
    POS's refund of the sale sent earlier under the same `external_id`."""

    total_amount: Decimal | str
    guest: Guest | None = None
    restaurant: Restaurant | None = None  # the world's first restaurant unless told
    closed_at: dt.datetime | None = None  # now unless told (a POS's retry repeats the first time: give it)
    points_to_spend: int = 0
    promo_code: str = ""
    external_id: str = ""
    is_refund: bool = False
    terminal: str = ""  # the POS till that closed it


def pos_connection(world: ChainWorld, restaurant: Restaurant) -> PosConnection:
    """The restaurant's webhook connection (created by the connection service on first use)."""
    existing = PosConnection.objects.filter(restaurant=restaurant, kind="webhook").first()
    if existing is not None:
        return existing
    created, _secrets = create_connection(
        actor=world.user("owner"), restaurant=restaurant, kind="webhook", name="Test till"
    )
    return created


def _payload(spec: CheckSpec, external_id: str) -> dict[str, Any]:
    total = str(Decimal(spec.total_amount).quantize(Decimal("0.01")))
    closed_at = spec.closed_at or timezone.now()
    if spec.is_refund:
        return {"external_id": external_id, "status": "refunded", "closed_at": closed_at.isoformat()}
    payload: dict[str, Any] = {
        "external_id": external_id,
        "status": "closed",
        "closed_at": closed_at.isoformat(),
        "items": [{"sku": "1", "name": "Dinner", "quantity": 1, "price": total, "discount": "0"}],
        "total_amount": total,
        "currency": "RUB",
        "points_to_spend": spec.points_to_spend,
    }
    if spec.promo_code:
        payload["promo_code"] = spec.promo_code
    if spec.terminal:
        payload["terminal"] = spec.terminal
    if spec.guest is not None:
        payload["guest"] = {"phone": spec.guest.phone}
    return payload


def send_checks(world: ChainWorld, checks: Sequence[CheckSpec]) -> list[Receipt]:
    """Push `checks` through the webhook's intake service and process them with the POS drain (one batch writer
    run, as production's), running every after-commit effect. Returns the receipts, in the order given."""
    receipt_ids = []
    with committed_effects():
        for spec in checks:
            restaurant = spec.restaurant or world.restaurants[0]
            pos = pos_connection(world, restaurant)
            check = parse_webhook_check(
                _payload(spec, spec.external_id or f"test-check-{next(_serial)}"),
                default_currency="RUB",
                zone=ZoneInfo(world.chain.time_zone),
                normalize_phone=normalize_phone,
            )
            state = receive_check(connection_id=pos.pk, restaurant_id=restaurant.pk, check=check, source="webhook")
            receipt_ids.append(state.receipt_id)
    with committed_effects():
        drain_pending_receipts(time_budget_seconds=30, linger=False)
    receipts = Receipt.objects.in_bulk(receipt_ids)
    return [receipts[receipt_id] for receipt_id in receipt_ids]
