"""Fixtures of the POS tests: a signed-webhook connection in chain alpha, guests, a signer, the fake POS servers."""

from __future__ import annotations

import io
import json
import time
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from guests.models import Guest
from guests.phones import normalize_phone
from maxloyalty.local_cache import clear_local_caches
from pos.check_format import PosCheck, parse_webhook_check
from pos.models import PosConnection, Receipt
from pos.services import create_connection, drain_pending_receipts
from pos.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_header_for
from pos.tests.fake_pos import FakeIikoState, FakeRkeeperState, fake_iiko, fake_rkeeper
from tests.checks import register_guest
from tests.fixtures import ChainWorld, api_on


@dataclass
class SignedWebhook:
    connection: PosConnection
    secret: str
    client: APIClient

    @property
    def url(self) -> str:
        return f"/api/v1/pos/webhooks/{self.connection.pk}"

    def post(
        self, payload: Any, *, secret: str | None = None, timestamp: int | None = None, headers: dict | None = None
    ):  # type: ignore[no-untyped-def]
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signed = {
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: signature_header_for(secret or self.secret, stamp, body),
        }
        if headers is not None:
            signed = headers
        return self.client.post(self.url, data=body, content_type="application/json", headers=signed)


def parsed_check(payload: dict[str, Any]) -> PosCheck:
    """A webhook body as the intake parses it (a UTC restaurant, RUB by default)."""
    return parse_webhook_check(
        payload, default_currency="RUB", zone=zoneinfo.ZoneInfo("UTC"), normalize_phone=normalize_phone
    )


def wsgi_environ(
    *, method: str, path: str, host: str, body: bytes, headers: dict[str, str], scheme: str = "http"
) -> dict[str, Any]:
    """A WSGI request as gunicorn hands it to the application."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": host,
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": scheme,
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


@pytest.fixture(autouse=True)
def _nothing_kept_in_process() -> Iterator[None]:
    clear_local_caches()
    yield
    clear_local_caches()


@pytest.fixture
def webhook(alpha: ChainWorld) -> SignedWebhook:
    pos_connection, issued = create_connection(
        actor=alpha.user("owner"), restaurant=alpha.restaurants[0], kind="webhook", name="Till 1"
    )
    assert issued.signing_secret
    return SignedWebhook(connection=pos_connection, secret=issued.signing_secret, client=api_on(alpha.host))


_phone_counter = iter(range(1_000_000))


@pytest.fixture
def make_guest(alpha: ChainWorld) -> Callable[..., Guest]:
    """Guests registered by the guest service (guests.services.create_guest), as the till or the bot would."""

    def make(**fields: Any) -> Guest:
        number = next(_phone_counter)
        fields.setdefault("phone", f"+7916{number:07d}")
        fields.setdefault("first_name", f"Guest{number}")
        fields.setdefault("card_number", f"7700{number:06d}")
        return register_guest(**fields)

    return make


@pytest.fixture
def guest(make_guest: Callable[..., Guest]) -> Guest:
    return make_guest()


def check_payload(external_id: str, *, guest: Guest | None = None, **overrides: Any) -> dict[str, Any]:
    """A valid closed check of 1000.00 (two lines), optionally for a guest identified by phone."""
    payload: dict[str, Any] = {
        "external_id": external_id,
        "status": "closed",
        "terminal": "T-1",
        "opened_at": "2026-11-25T18:55:00+03:00",
        "closed_at": "2026-11-25T19:40:00+03:00",
        "items": [
            {"sku": "101", "name": "Latte", "category": "coffee", "quantity": 2, "price": "250.00", "discount": "0"},
            {
                "sku": "202",
                "name": "Cheesecake",
                "category": "dessert",
                "quantity": 1,
                "price": "550.00",
                "discount": "50.00",
            },
        ],
        "total_amount": "1000.00",
        "currency": "RUB",
        "points_to_spend": 0,
        "payments": [{"type": "card", "amount": "1000.00"}],
    }
    if guest is not None:
        payload["guest"] = {"phone": guest.phone}
    payload.update(overrides)
    return payload


def process_everything() -> int:
    handled, _more = drain_pending_receipts(time_budget_seconds=30)
    return handled


def receipt(external_id: str, operation: str = "sale") -> Receipt:
    return Receipt.objects.get(external_id=external_id, operation=operation)


def balance(guest: Guest) -> int:
    from loyalty.models import PointsAccount

    return PointsAccount.objects.filter(guest=guest).values_list("available", flat=True).first() or 0


def ledger_sum(guest: Guest) -> int:
    from django.db.models import Sum

    from loyalty.models import LedgerEntry

    return LedgerEntry.objects.filter(guest=guest, is_pending=False).aggregate(total=Sum("points"))["total"] or 0


@pytest.fixture
def iiko_server() -> Iterator[tuple[str, FakeIikoState]]:
    with fake_iiko() as served:
        yield served


@pytest.fixture
def rkeeper_server() -> Iterator[tuple[str, FakeRkeeperState]]:
    with fake_rkeeper() as served:
        yield served


ONE_THOUSAND = Decimal("1000.00")
