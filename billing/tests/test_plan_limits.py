"""Every limited action asks billing.limits: the Nth is allowed, the N+1th refused with `plan_limit` and the figure."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from billing.errors import PlanLimitReached
from billing.limits import Limit, record_messages_sent, require_allowed
from billing.models import Plan
from billing.tests.conftest import put_on_plan
from guests.models import Guest
from guests.services import create_guest
from tests.fixtures import api_as, signed_in_client

pytestmark = pytest.mark.django_db


def _limit(code: str, **figures: int | None) -> None:
    Plan.objects.filter(code=code).update(**figures)


def test_restaurant_limit_allows_the_nth_and_refuses_the_next_in_the_api(alpha):  # type: ignore[no-untyped-def]
    _limit("business", max_restaurants=3)
    put_on_plan(alpha, "business")
    api = api_as(alpha, "owner")
    third = api.post("/api/v1/restaurants", {"name": "Third"}, format="json")
    assert third.status_code == 201, third.content
    fourth = api.post("/api/v1/restaurants", {"name": "Fourth"}, format="json")
    assert fourth.status_code == 402
    error = fourth.json()["error"]
    assert (error["code"], error["limit"], error["figure"], error["upgrade_url"]) == (
        "plan_limit",
        "restaurants",
        3,
        "/billing/",
    )
    assert "3" in error["message"] and "/billing/" in error["message"]


def test_staff_limit_on_the_invite_page_shows_the_upgrade_link(alpha):  # type: ignore[no-untyped-def]
    _limit("business", max_staff=5)  # alpha has an owner, an admin, a manager and a cashier
    put_on_plan(alpha, "business")
    owner = signed_in_client(alpha, "owner")
    fifth = owner.post("/staff/invite/", {"email": "fifth@alpha.test", "role": "admin"})
    assert fifth.status_code == 302
    sixth = owner.post("/staff/invite/", {"email": "sixth@alpha.test", "role": "admin"})
    assert sixth.status_code == 422
    page = sixth.content.decode()
    assert "Your plan allows 5: staff users" in page
    assert "/billing/" in page


def test_guest_limit_in_the_api(alpha):  # type: ignore[no-untyped-def]
    with schema_context(alpha.chain.schema_name):
        existing = Guest.objects.count()
    _limit("business", max_guests=existing + 1)
    put_on_plan(alpha, "business")
    api = api_as(alpha, "owner")
    assert api.post("/api/v1/guests", {"phone": "+79161110001"}, format="json").status_code == 201
    refused = api.post("/api/v1/guests", {"phone": "+79161110002"}, format="json")
    assert refused.status_code == 402
    assert (refused.json()["error"]["limit"], refused.json()["error"]["figure"]) == ("guests", existing + 1)


def test_guests_arriving_with_a_pos_check_or_the_bot_are_never_refused(alpha):  # type: ignore[no-untyped-def]
    _limit("business", max_guests=0)
    put_on_plan(alpha, "business")
    guest = create_guest(access=None, phone="+79161110003", source="pos")
    bot_guest = create_guest(access=None, phone="+79161110004", source="telegram")
    assert Guest.objects.filter(pk__in=[guest.pk, bot_guest.pk]).count() == 2
    with pytest.raises(PlanLimitReached):
        create_guest(access=None, phone="+79161110005", source="import")


def test_api_without_api_access_is_refused_but_pages_work(alpha):  # type: ignore[no-untyped-def]
    put_on_plan(alpha, "start")
    refused = api_as(alpha, "owner").get("/api/v1/guests")
    assert refused.status_code == 403
    assert (refused.json()["error"]["code"], refused.json()["error"]["limit"]) == ("plan_limit", "api_access")
    assert signed_in_client(alpha, "owner").get("/billing/").status_code == 200


def test_api_access_on_a_plan_with_the_flag(alpha):  # type: ignore[no-untyped-def]
    put_on_plan(alpha, "business")
    assert api_as(alpha, "owner").get("/api/v1/guests").status_code == 200


def test_broadcast_messages_limit_counts_this_month(alpha):  # type: ignore[no-untyped-def]
    _limit("business", max_messages_per_month=100)
    put_on_plan(alpha, "business")
    record_messages_sent(alpha.chain, 90)
    require_allowed(alpha.chain, Limit.MESSAGES, adding=10)
    with pytest.raises(PlanLimitReached) as refused:
        require_allowed(alpha.chain, Limit.MESSAGES, adding=11)
    assert refused.value.details["figure"] == 100
