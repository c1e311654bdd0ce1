"""YooKassa notifications are unsigned: only listed addresses, then the API's answer decides, once."""

from __future__ import annotations

import datetime

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from billing.models import Payment, PaymentStatus, State, Subscription
from billing.tasks import charge_yookassa_renewal
from billing.tests.conftest import post_yookassa, subscription_of
from billing.tests.fake_providers import yookassa_notification
from billing.tests.test_yookassa_life_cycle import pay_first, period_over
from tests.fixtures import signed_in_client

pytestmark = pytest.mark.django_db


def _started_payment(alpha) -> str:  # type: ignore[no-untyped-def]
    response = signed_in_client(alpha, "owner").post("/billing/checkout", {"plan": "business", "provider": "yookassa"})
    return str(response["Location"].rsplit("=", 1)[1])


def test_notification_from_an_unlisted_address_is_refused(alpha, fake_yookassa, platform):  # type: ignore[no-untyped-def]
    payment_id = _started_payment(alpha)
    fake_yookassa.customer_pays(payment_id)
    response = post_yookassa(platform, yookassa_notification(payment_id), address="203.0.113.9")
    assert response.status_code == 403
    assert subscription_of(alpha).state == State.TRIALING


def test_claimed_success_for_a_payment_the_api_reports_cancelled_changes_nothing(  # type: ignore[no-untyped-def]
    alpha, fake_yookassa, platform
):
    payment_id = _started_payment(alpha)
    fake_yookassa.customer_abandons(payment_id)
    response = post_yookassa(platform, yookassa_notification(payment_id, "payment.succeeded"))
    assert response.status_code == 200
    subscription = subscription_of(alpha)
    assert (subscription.state, subscription.plan.code) == (State.TRIALING, "trial")
    assert Payment.objects.get(provider_payment_id=payment_id).status == PaymentStatus.CANCELLED


def test_notification_for_a_payment_still_pending_changes_nothing(alpha, fake_yookassa, platform):  # type: ignore[no-untyped-def]
    payment_id = _started_payment(alpha)
    response = post_yookassa(platform, yookassa_notification(payment_id, "payment.succeeded"))
    assert response.json()["processed"] is False
    assert subscription_of(alpha).state == State.TRIALING


def test_each_payment_is_processed_once(alpha, fake_yookassa, platform):  # type: ignore[no-untyped-def]
    payment_id = pay_first(alpha, fake_yookassa, platform)
    paid_until = subscription_of(alpha).current_period_end
    again = post_yookassa(platform, yookassa_notification(payment_id))
    assert again.json()["processed"] is False
    assert subscription_of(alpha).current_period_end == paid_until


def test_renewal_task_retried_after_a_crash_charges_once(alpha, fake_yookassa, platform):  # type: ignore[no-untyped-def]
    pay_first(alpha, fake_yookassa, platform)
    period_over(alpha)
    fake_yookassa.crash_next_create = True  # YooKassa charges the card, but the answer never reaches us
    with pytest.raises(Retry):
        charge_yookassa_renewal.apply(kwargs={"chain_id": alpha.chain.pk})
    charge_yookassa_renewal.apply(kwargs={"chain_id": alpha.chain.pk})  # Celery delivers the retry

    assert len(fake_yookassa.charges) == 1
    keys = Payment.objects.filter(subscription__chain=alpha.chain, purpose="renewal").values_list(
        "idempotence_key", flat=True
    )
    assert len(keys) == 1
    subscription = subscription_of(alpha)
    assert subscription.state == State.ACTIVE
    assert subscription.current_period_end > timezone.now() + datetime.timedelta(days=29)
    assert Subscription.objects.filter(chain=alpha.chain).count() == 1
