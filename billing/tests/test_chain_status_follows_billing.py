"""The chain's own status follows its subscription: trial, active (also while a payment is overdue), suspended
after the grace period or when cancelled; a chain the platform closed stays closed."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from billing.models import Provider, State
from billing.services import (
    advance_subscriptions,
    record_payment_failed,
    record_payment_succeeded,
    record_subscription_ended,
)
from billing.tests.conftest import put_on_plan
from tenants.models import Chain, ChainStatus

pytestmark = pytest.mark.django_db


def _status(world) -> str:  # type: ignore[no-untyped-def]
    return Chain.objects.get(pk=world.chain.pk).status


def test_status_moves_with_payment_failure_suspension_and_payment(alpha):  # type: ignore[no-untyped-def]
    put_on_plan(alpha, "business", state=State.ACTIVE)
    record_payment_failed(chain_id=alpha.chain.pk, provider=Provider.STRIPE, reason="card declined")
    assert _status(alpha) == ChainStatus.ACTIVE  # the grace period still works
    advance_subscriptions(now=timezone.now() + datetime.timedelta(days=60))
    assert _status(alpha) == ChainStatus.SUSPENDED
    record_payment_succeeded(chain_id=alpha.chain.pk, provider=Provider.STRIPE, period_end=None)
    assert _status(alpha) == ChainStatus.ACTIVE


def test_cancelled_subscription_suspends_the_chain_but_a_closed_chain_stays_closed(alpha, beta):  # type: ignore[no-untyped-def]
    put_on_plan(alpha, "business", state=State.ACTIVE)
    put_on_plan(beta, "business", state=State.ACTIVE)
    Chain.objects.filter(pk=beta.chain.pk).update(status=ChainStatus.CLOSED)
    record_subscription_ended(chain_id=alpha.chain.pk)
    record_subscription_ended(chain_id=beta.chain.pk)
    assert (_status(alpha), _status(beta)) == (ChainStatus.SUSPENDED, ChainStatus.CLOSED)
