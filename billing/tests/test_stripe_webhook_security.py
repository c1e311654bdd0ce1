"""The Stripe webhook believes only bodies signed with our endpoint secret, recently, once; state comes from the API."""

from __future__ import annotations

import time

import pytest

from billing.models import ProcessedWebhook, State
from billing.tests.conftest import post_stripe, subscription_of
from billing.tests.fake_providers import stripe_event
from tests.fixtures import signed_in_client

pytestmark = pytest.mark.django_db


def _active_subscription(alpha, fake_stripe, platform) -> str:  # type: ignore[no-untyped-def]
    response = signed_in_client(alpha, "owner").post("/billing/checkout", {"plan": "business", "provider": "stripe"})
    session = fake_stripe.complete_checkout(response["Location"].rsplit("/", 1)[1])
    assert post_stripe(platform, stripe_event("checkout.session.completed", session)).status_code == 200
    return str(session["subscription"])


def _completed_session(alpha, fake_stripe) -> dict:  # type: ignore[no-untyped-def, type-arg]
    response = signed_in_client(alpha, "owner").post("/billing/checkout", {"plan": "business", "provider": "stripe"})
    return fake_stripe.complete_checkout(response["Location"].rsplit("/", 1)[1])


def test_body_signed_with_another_secret_is_refused(alpha, fake_stripe, platform):  # type: ignore[no-untyped-def]
    payload = stripe_event("checkout.session.completed", _completed_session(alpha, fake_stripe))
    response = post_stripe(platform, payload, secret="whsec_attacker")
    assert response.status_code == 400
    assert subscription_of(alpha).state == State.TRIALING


def test_unsigned_body_is_refused(alpha, fake_stripe, platform):  # type: ignore[no-untyped-def]
    payload = stripe_event("checkout.session.completed", _completed_session(alpha, fake_stripe))
    response = platform.post("/billing/webhooks/stripe", data=payload, content_type="application/json")
    assert response.status_code == 400
    assert subscription_of(alpha).state == State.TRIALING


def test_signature_older_than_five_minutes_is_refused(alpha, fake_stripe, platform):  # type: ignore[no-untyped-def]
    payload = stripe_event("checkout.session.completed", _completed_session(alpha, fake_stripe))
    response = post_stripe(platform, payload, timestamp=int(time.time()) - 301)
    assert response.status_code == 400
    assert subscription_of(alpha).state == State.TRIALING


def test_replayed_event_changes_nothing(alpha, fake_stripe, platform):  # type: ignore[no-untyped-def]
    sub_id = _active_subscription(alpha, fake_stripe, platform)
    failure = stripe_event("invoice.payment_failed", fake_stripe.renew(sub_id, paid=False), event_id="evt_failed_1")
    assert post_stripe(platform, failure).json()["processed"] is True
    assert subscription_of(alpha).state == State.PAST_DUE
    assert post_stripe(platform, stripe_event("invoice.paid", fake_stripe.renew(sub_id, paid=True))).status_code == 200
    assert subscription_of(alpha).state == State.ACTIVE

    replay = post_stripe(platform, failure)  # freshly signed, same event id
    assert replay.status_code == 200
    assert replay.json()["processed"] is False
    assert subscription_of(alpha).state == State.ACTIVE
    assert ProcessedWebhook.objects.filter(event_id="evt_failed_1").count() == 1


def test_late_event_is_judged_by_what_the_api_says_now(alpha, fake_stripe, platform):  # type: ignore[no-untyped-def]
    sub_id = _active_subscription(alpha, fake_stripe, platform)
    stale_failure = fake_stripe.renew(sub_id, paid=False)
    fake_stripe.renew(sub_id, paid=True)  # the retry succeeded before the failure's event reached us
    response = post_stripe(platform, stripe_event("invoice.payment_failed", stale_failure))
    assert response.status_code == 200
    assert subscription_of(alpha).state == State.ACTIVE
