"""The guest list filters by status, tag, last visit range and birthday month, and orders as asked."""

import datetime

import pytest
from django.utils import timezone

from guests.services import block_guest
from guests.tests.factories import GuestFactory
from tests.checks import CheckSpec, send_checks
from tests.fixtures import api_as


def _ids(alpha, **params):
    response = api_as(alpha, "owner").get("/api/v1/guests", params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_filter_by_status_and_tag(alpha):
    blocked = block_guest(access=None, guest=GuestFactory(tags=["vip"]), reason="test")
    active_vip = GuestFactory(tags=["vip", "wine"])
    GuestFactory(tags=["wine"])
    assert _ids(alpha, status="blocked") == [blocked.id]
    assert set(_ids(alpha, tag="vip")) == {blocked.id, active_vip.id}


def test_filter_by_last_visit_range_in_chain_days(alpha):
    now = timezone.now()
    recent, old = GuestFactory(), GuestFactory()
    send_checks(
        alpha,
        [
            CheckSpec("500", guest=recent, closed_at=now - datetime.timedelta(days=2)),
            CheckSpec("500", guest=old, closed_at=now - datetime.timedelta(days=40)),
        ],
    )
    GuestFactory()  # never visited
    since = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    until = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    assert _ids(alpha, last_visit_from=since) == [recent.id]
    assert _ids(alpha, last_visit_to=until) == [old.id]


def test_filter_by_birthday_month(alpha):
    may = GuestFactory(birthday=datetime.date(1990, 5, 17))
    GuestFactory(birthday=datetime.date(1990, 6, 1))
    assert _ids(alpha, birthday_month=5) == [may.id]


@pytest.mark.parametrize("month", ["13", "0", "may"])
def test_bad_birthday_month_is_refused(alpha, month):
    response = api_as(alpha, "owner").get("/api/v1/guests", {"birthday_month": month})
    assert response.status_code == 422
    assert "birthday_month" in response.json()["error"]["fields"]


def test_ordering_and_pagination(alpha):
    names = ["Boris", "Anna", "Vera"]
    guests = {name: GuestFactory(first_name=name) for name in names}
    assert _ids(alpha, ordering="first_name") == [guests[name].id for name in sorted(names)]
    body = api_as(alpha, "owner").get("/api/v1/guests", {"ordering": "-first_name", "page_size": 2}).json()
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == [guests["Vera"].id, guests["Boris"].id]
    assert body["next"]
