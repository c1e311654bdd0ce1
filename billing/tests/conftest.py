"""Fixtures of the billing tests: the fake providers (one per session, reset per test) and settings aimed at them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from billing.models import Plan, State, Subscription
from billing.services import forget_cached_state
from billing.tests.fake_providers import FakeStripe, FakeYooKassa, serving, stripe_signature, yookassa_notification
from tests.fixtures import ChainWorld, client_on, signed_in_client

WEBHOOK_SECRET = "whsec_test_" + "k" * 24


@pytest.fixture(scope="session")
def _fake_stripe_server() -> Iterator[FakeStripe]:
    fake = FakeStripe()
    with serving(fake) as url:
        fake.base_url = url
        yield fake


@pytest.fixture(scope="session")
def _fake_yookassa_server() -> Iterator[FakeYooKassa]:
    fake = FakeYooKassa()
    with serving(fake) as url:
        fake.base_url = url
        yield fake


@pytest.fixture
def fake_stripe(_fake_stripe_server: FakeStripe, settings: Any) -> FakeStripe:
    _fake_stripe_server.reset()
    settings.STRIPE_SECRET_KEY = _fake_stripe_server.api_key
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = _fake_stripe_server.base_url
    return _fake_stripe_server


@pytest.fixture
def fake_yookassa(_fake_yookassa_server: FakeYooKassa, settings: Any) -> FakeYooKassa:
    _fake_yookassa_server.reset()
    settings.YOOKASSA_SHOP_ID = _fake_yookassa_server.shop_id
    settings.YOOKASSA_SECRET_KEY = _fake_yookassa_server.secret_key
    settings.YOOKASSA_API_URL = _fake_yookassa_server.base_url + "/v3"
    settings.YOOKASSA_ALLOWED_SOURCES = ["127.0.0.1/32"]
    settings.YOOKASSA_RECEIPT_URL = "https://yookassa.ru/my/receipts/"
    return _fake_yookassa_server


@pytest.fixture
def platform() -> Client:
    return client_on(django_settings.PLATFORM_DOMAIN)


def post_stripe(platform: Client, payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> Any:
    return platform.post(
        "/billing/webhooks/stripe",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": stripe_signature(payload, secret, timestamp)},
    )


def post_yookassa(platform: Client, payload: bytes, *, address: str = "127.0.0.1") -> Any:
    return platform.post(
        "/billing/webhooks/yookassa", data=payload, content_type="application/json", REMOTE_ADDR=address
    )


def pay_first(world: ChainWorld, fake_yookassa: FakeYooKassa, platform: Client, plan: str = "business") -> str:
    """The owner checks out `plan` with YooKassa, the customer pays, YooKassa notifies: the payment's id."""
    response = signed_in_client(world, "owner").post("/billing/checkout", {"plan": plan, "provider": "yookassa"})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{fake_yookassa.base_url}/checkout/payments/v2/contract?orderId=")
    payment_id = str(response["Location"].rsplit("=", 1)[1])
    fake_yookassa.customer_pays(payment_id)
    assert post_yookassa(platform, yookassa_notification(payment_id)).status_code == 200
    return payment_id


def subscription_of(world: ChainWorld) -> Subscription:
    return Subscription.objects.select_related("plan").get(chain=world.chain)


def put_on_plan(world: ChainWorld, code: str, state: str = State.ACTIVE) -> Subscription:
    """Arrange: the chain is on `code` (rolled back with the test)."""
    Subscription.objects.filter(chain=world.chain).update(plan=Plan.objects.get(code=code), state=state)
    forget_cached_state(world.chain.pk)
    return subscription_of(world)
