"""A broadcast is refused when its recipients would pass this month's message limit."""

from __future__ import annotations

import pytest

from billing.errors import PlanLimitReached
from billing.limits import record_messages_sent
from billing.models import Plan
from billing.tests.conftest import put_on_plan
from telegram_bot.models import Broadcast
from telegram_bot.services import create_broadcast
from telegram_bot.tests.conftest import linked_guest  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_recipients(alpha, linked_guest):  # type: ignore[no-untyped-def]  # noqa: F811
    Plan.objects.filter(code="business").update(max_messages_per_month=100)
    put_on_plan(alpha, "business")
    linked_guest("+79167770001", 701)
    linked_guest("+79167770002", 702)


def test_broadcast_within_the_month_limit_is_created(alpha, two_recipients):  # type: ignore[no-untyped-def]
    record_messages_sent(alpha.chain, 98)
    create_broadcast(actor=alpha.user("owner"), text="Hello")
    assert Broadcast.objects.count() == 1


def test_broadcast_beyond_the_month_limit_is_refused(alpha, two_recipients):  # type: ignore[no-untyped-def]
    record_messages_sent(alpha.chain, 99)
    with pytest.raises(PlanLimitReached) as refused:
        create_broadcast(actor=alpha.user("owner"), text="Hello")
    assert (refused.value.details["limit"], refused.value.details["figure"]) == ("messages", 100)
