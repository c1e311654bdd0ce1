"""Stripe: trial → Checkout → renewal → failed payment → reminders → suspended → paid again → active."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from billing.models import Payment, PaymentStatus, State
from billing.services import advance_subscriptions
from billing.tests.conftest import post_stripe, subscription_of
from billing.tests.fake_providers import stripe_event
from tests.fixtures import api_as, signed_in_client

pytestmark = pytest.mark.django_db


def _checkout(alpha, fake_stripe, platform, plan: str = "business") -> str:  # type: ignore[no-untyped-def]
    owner = signed_in_client(alpha, "owner")
    response = owner.post("/billing/checkout", {"plan": plan, "provider": "stripe"})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{fake_stripe.base_url}/c/pay/cs_test_")
    session_id = response["Location"].rsplit("/", 1)[1]
    session = fake_stripe.complete_checkout(session_id)
    assert post_stripe(platform, stripe_event("checkout.session.completed", session)).status_code == 200
    return str(session["subscription"])


def test_a_trial_chain_must_pay_to_choose_a_plan(alpha):  # type: ignore[no-untyped-def]
    response = signed_in_client(alpha, "owner").post("/billing/plan", {"plan": "enterprise"})
    assert response.status_code == 400
    assert "Pay for a plan first" in response.content.decode()
    assert subscription_of(alpha).plan.code == "trial"


def test_new_chain_is_on_trial(alpha):  # type: ignore[no-untyped-def]
    subscription = subscription_of(alpha)
    assert subscription.state == State.TRIALING
    assert subscription.plan.code == "trial"
    assert subscription.trial_ends_at > timezone.now() + datetime.timedelta(days=13)


def test_whole_life_cycle_through_stripe(alpha, fake_stripe, platform):  # type: ignore[no-untyped-def]
    sub_id = _checkout(alpha, fake_stripe, platform)
    paid = subscription_of(alpha)
    assert (paid.state, paid.plan.code, paid.provider) == (State.ACTIVE, "business", "stripe")
    first_period_end = paid.current_period_end

    invoice = fake_stripe.renew(sub_id, paid=True)
    assert post_stripe(platform, stripe_event("invoice.paid", invoice)).status_code == 200
    renewed = subscription_of(alpha)
    assert renewed.current_period_end > first_period_end
    receipt = Payment.objects.get(provider_payment_id=invoice["id"])
    assert (receipt.status, str(receipt.amount), receipt.currency) == (PaymentStatus.SUCCEEDED, "39.00", "USD")
    assert receipt.receipt_url == invoice["hosted_invoice_url"]

    failed = fake_stripe.renew(sub_id, paid=False)
    assert post_stripe(platform, stripe_event("invoice.payment_failed", failed)).status_code == 200
    overdue = subscription_of(alpha)
    assert overdue.state == State.PAST_DUE
    assert overdue.grace_ends_at is not None
    assert overdue.grace_ends_at - overdue.past_due_since == datetime.timedelta(days=7)

    mail.outbox.clear()
    advance_subscriptions(now=timezone.now() + datetime.timedelta(days=3))
    assert [message.to for message in mail.outbox] == [["owner@alpha.test"]]
    assert "/billing/" in mail.outbox[0].body
    assert subscription_of(alpha).state == State.PAST_DUE

    advance_subscriptions(now=timezone.now() + datetime.timedelta(days=8))
    assert subscription_of(alpha).state == State.SUSPENDED
    api = api_as(alpha, "owner")
    refused = api.post("/api/v1/guests", {"phone": "+79160000001", "first_name": "Ann"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "subscription_suspended"

    again = fake_stripe.renew(sub_id, paid=True)
    assert post_stripe(platform, stripe_event("invoice.paid", again)).status_code == 200
    assert subscription_of(alpha).state == State.ACTIVE
    created = api.post("/api/v1/guests", {"phone": "+79160000001", "first_name": "Ann"}, format="json")
    assert created.status_code == 201, created.content

    with schema_context(alpha.chain.schema_name):
        actions = list(AuditEntry.objects.filter(action__startswith="billing.").values_list("action", flat=True))
    assert {"billing.payment_succeeded", "billing.payment_failed", "billing.suspended"} <= set(actions)
    history = signed_in_client(alpha, "owner").get("/billing/").content.decode()
    assert "Grace period over" in history and "Payment received" in history


def test_upgrade_takes_effect_at_once_with_proration(alpha, fake_stripe, platform):  # type: ignore[no-untyped-def]
    sub_id = _checkout(alpha, fake_stripe, platform, plan="start")
    response = signed_in_client(alpha, "owner").post("/billing/plan", {"plan": "business"})
    assert response.status_code == 302
    assert subscription_of(alpha).plan.code == "business"
    change = fake_stripe.modifications[-1]
    assert change["items[0][price]"] == "price_business"
    assert change["proration_behavior"] == "always_invoice"
    assert fake_stripe.subscriptions[sub_id]["items"]["data"][0]["price"]["id"] == "price_business"


def test_downgrade_waits_for_period_end_and_names_what_exceeds(alpha, fake_stripe, platform):  # type: ignore[no-untyped-def]
    sub_id = _checkout(alpha, fake_stripe, platform, plan="business")
    response = signed_in_client(alpha, "owner").post("/billing/plan", {"plan": "start"}, follow=True)
    page = response.content.decode()
    assert "changes at the end of the paid period" in page
    assert "Restaurants: 2 used, the plan allows 1" in page
    subscription = subscription_of(alpha)
    assert subscription.plan.code == "business"
    assert subscription.pending_plan.code == "start"
    assert fake_stripe.modifications[-1]["proration_behavior"] == "none"  # Stripe bills Start from the next period

    updated = fake_stripe.subscriptions[sub_id]
    assert post_stripe(platform, stripe_event("customer.subscription.updated", updated)).status_code == 200
    assert subscription_of(alpha).plan.code == "business"  # the paid period keeps its plan

    assert post_stripe(platform, stripe_event("invoice.paid", fake_stripe.renew(sub_id, paid=True))).status_code == 200
    renewed = subscription_of(alpha)
    assert (renewed.plan.code, renewed.pending_plan) == ("start", None)


def test_cancellation_runs_to_the_end_of_the_paid_period(alpha, fake_stripe, platform):  # type: ignore[no-untyped-def]
    sub_id = _checkout(alpha, fake_stripe, platform)
    assert signed_in_client(alpha, "owner").post("/billing/cancel").status_code == 302
    assert fake_stripe.subscriptions[sub_id]["cancel_at_period_end"] is True
    subscription = subscription_of(alpha)
    assert (subscription.state, subscription.cancel_at_period_end) == (State.ACTIVE, True)

    advance_subscriptions(now=subscription.current_period_end - datetime.timedelta(hours=1))
    assert subscription_of(alpha).state == State.ACTIVE
    ended = fake_stripe.set_status(sub_id, "canceled")
    assert post_stripe(platform, stripe_event("customer.subscription.deleted", ended)).status_code == 200
    assert subscription_of(alpha).state == State.CANCELLED
