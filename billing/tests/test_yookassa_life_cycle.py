"""YooKassa: confirmation page with the card saved → renewals by the beat task → failure → grace → suspended → paid."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from billing.models import Payment, PaymentStatus, State, Subscription
from billing.services import advance_subscriptions
from billing.tasks import charge_yookassa_renewals
from billing.tests.conftest import pay_first, subscription_of
from tests.fixtures import signed_in_client

pytestmark = pytest.mark.django_db


def period_over(alpha) -> None:  # type: ignore[no-untyped-def]
    Subscription.objects.filter(chain=alpha.chain).update(
        current_period_end=timezone.now() - datetime.timedelta(minutes=1)
    )


def test_whole_life_cycle_through_yookassa(alpha, fake_yookassa, platform):  # type: ignore[no-untyped-def]
    pay_first(alpha, fake_yookassa, platform)
    paid = subscription_of(alpha)
    assert (paid.state, paid.plan.code, paid.provider) == (State.ACTIVE, "business", "yookassa")
    assert paid.yookassa_payment_method_id
    first = fake_yookassa.requests[0]
    assert first["save_payment_method"] is True
    assert first["amount"] == {"value": "7990.00", "currency": "RUB"}
    assert first["receipt"]["customer"] == {"email": "owner@alpha.test"}
    assert first["receipt"]["items"][0]["payment_subject"] == "service"

    period_over(alpha)
    assert charge_yookassa_renewals.apply().get() == 1
    renewal = fake_yookassa.requests[-1]
    assert renewal["payment_method_id"] == paid.yookassa_payment_method_id
    assert "receipt" in renewal
    renewed = subscription_of(alpha)
    assert renewed.state == State.ACTIVE
    assert renewed.current_period_end > timezone.now() + datetime.timedelta(days=29)
    assert len(fake_yookassa.charges) == 1

    fake_yookassa.card_declines = True
    period_over(alpha)
    charge_yookassa_renewals.apply()
    assert subscription_of(alpha).state == State.PAST_DUE

    mail.outbox.clear()
    advance_subscriptions(now=timezone.now() + datetime.timedelta(days=3))
    assert [message.to for message in mail.outbox] == [["owner@alpha.test"]]
    advance_subscriptions(now=timezone.now() + datetime.timedelta(days=8))
    assert subscription_of(alpha).state == State.SUSPENDED

    fake_yookassa.card_declines = False
    pay_first(alpha, fake_yookassa, platform)
    assert subscription_of(alpha).state == State.ACTIVE
    statuses = list(Payment.objects.filter(subscription__chain=alpha.chain).values_list("status", flat=True))
    assert sorted(statuses) == sorted(
        [PaymentStatus.SUCCEEDED, PaymentStatus.SUCCEEDED, PaymentStatus.CANCELLED, PaymentStatus.SUCCEEDED]
    )


def test_upgrade_charges_the_prorated_difference_at_once(alpha, fake_yookassa, platform):  # type: ignore[no-untyped-def]
    pay_first(alpha, fake_yookassa, platform, plan="start")
    response = signed_in_client(alpha, "owner").post("/billing/plan", {"plan": "business"})
    assert response.status_code == 302
    assert subscription_of(alpha).plan.code == "business"
    charged = Decimal(fake_yookassa.requests[-1]["amount"]["value"])
    assert Decimal("4990.00") <= charged <= Decimal("5000.00")  # (7990 − 2990) × almost the whole period


def test_downgrade_is_charged_and_applied_at_renewal(alpha, fake_yookassa, platform):  # type: ignore[no-untyped-def]
    pay_first(alpha, fake_yookassa, platform, plan="business")
    response = signed_in_client(alpha, "owner").post("/billing/plan", {"plan": "start"}, follow=True)
    assert "Restaurants: 2 used, the plan allows 1" in response.content.decode()
    assert subscription_of(alpha).plan.code == "business"
    period_over(alpha)
    charge_yookassa_renewals.apply()
    assert subscription_of(alpha).plan.code == "start"
    assert fake_yookassa.requests[-1]["amount"] == {"value": "2990.00", "currency": "RUB"}


def test_cancelled_subscription_is_not_renewed_and_ends_at_period_end(alpha, fake_yookassa, platform):  # type: ignore[no-untyped-def]
    pay_first(alpha, fake_yookassa, platform)
    assert signed_in_client(alpha, "owner").post("/billing/cancel").status_code == 302
    assert subscription_of(alpha).state == State.ACTIVE
    period_over(alpha)
    assert charge_yookassa_renewals.apply().get() == 0
    advance_subscriptions()
    assert subscription_of(alpha).state == State.CANCELLED
    assert len(fake_yookassa.requests) == 1


def test_period_left_unpaid_becomes_past_due_with_a_reminder(  # type: ignore[no-untyped-def]
    alpha, fake_yookassa, platform, django_capture_on_commit_callbacks
):
    pay_first(alpha, fake_yookassa, platform)
    Subscription.objects.filter(chain=alpha.chain).update(
        yookassa_payment_method_id="", current_period_end=timezone.now() - datetime.timedelta(days=2)
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        advance_subscriptions()
    assert subscription_of(alpha).state == State.PAST_DUE
    assert [message.to for message in mail.outbox] == [["owner@alpha.test"]]
