"""A chain that predates billing (no subscription) is held to the trial plan and gets its trial when staff first
use it; reading its plan (a limit check) starts nothing."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from billing.limits import Limit, usage_for
from billing.models import BillingEvent, State, Subscription
from billing.services import forget_cached_state
from tests.fixtures import ChainWorld, api_as, signed_in_client

pytestmark = pytest.mark.django_db


def _without_subscription(world: ChainWorld) -> None:
    """Arrange: the chain as it was before billing existed (rolled back with the test)."""
    Subscription.objects.filter(chain=world.chain).delete()
    forget_cached_state(world.chain.pk)


def test_limits_read_the_trial_plan_without_starting_a_trial(alpha):  # type: ignore[no-untyped-def]
    _without_subscription(alpha)
    figures = {usage.limit: usage.figure for usage in usage_for(alpha.chain)}
    assert figures[Limit.RESTAURANTS] == 10  # the trial plan's
    assert not Subscription.objects.filter(chain=alpha.chain).exists()


def test_opening_the_billing_page_starts_the_trial(alpha):  # type: ignore[no-untyped-def]
    _without_subscription(alpha)
    response = signed_in_client(alpha, "owner").get("/billing/")
    assert response.status_code == 200
    subscription = Subscription.objects.get(chain=alpha.chain)
    assert (subscription.state, subscription.plan.code) == (State.TRIALING, "trial")
    expected_end = timezone.now() + datetime.timedelta(days=subscription.plan.trial_days)
    assert abs(subscription.trial_ends_at - expected_end) < datetime.timedelta(minutes=1)
    assert BillingEvent.objects.filter(subscription=subscription, kind="trial_started").count() == 1


def test_first_change_by_staff_starts_the_trial_and_goes_through(alpha):  # type: ignore[no-untyped-def]
    _without_subscription(alpha)
    response = signed_in_client(alpha, "owner").post("/staff/invite/", {"email": "new@alpha.test", "role": "admin"})
    assert response.status_code in (200, 302)
    assert Subscription.objects.get(chain=alpha.chain).state == State.TRIALING


def test_first_api_call_starts_the_trial_with_api_access(alpha):  # type: ignore[no-untyped-def]
    _without_subscription(alpha)
    api = api_as(alpha, "owner")
    assert Subscription.objects.filter(chain=alpha.chain).exists()  # signing in for the token read it
    assert api.get("/api/v1/restaurants").status_code == 200
