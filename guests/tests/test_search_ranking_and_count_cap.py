"""A search ranks its matches by the closeness of the name, then recent activity; it counts them up to
SEARCH_COUNT_CAP, reading the matches from the indexes (maxloyalty.db.planner.bitmap_scans_only), and says "more than"
past it (the page and the API)."""

import datetime

from django.db import connection
from django.utils import timezone

from guests.selectors import search_guests
from guests.tests.factories import GuestFactory, visits
from tests.checks import CheckSpec
from tests.fixtures import api_as, signed_in_client


def _ids(guests):
    return [guest.pk for guest in guests]


def _four_annas_and_their_visits(alpha):
    """Anna Smirnova never came; two Annas came a month and two hours ago; "Ana" (a spelling one letter off) today."""
    never = GuestFactory(first_name="Anna", last_name="Smirnova")
    long_ago, lately = (
        GuestFactory(first_name="Anna", last_name="Orlova"),
        GuestFactory(first_name="Anna", last_name="Pavlova"),
    )
    today = GuestFactory(first_name="Ana", last_name="Lebedeva")
    now = timezone.now()
    visits(
        alpha,
        [
            CheckSpec("500.00", guest=long_ago, closed_at=now - datetime.timedelta(days=30)),
            CheckSpec("500.00", guest=lately, closed_at=now - datetime.timedelta(hours=2)),
            CheckSpec("500.00", guest=today, closed_at=now - datetime.timedelta(minutes=5)),
        ],
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE guests_guest")
    return never, long_ago, lately, today


def test_a_narrow_search_ranks_the_exact_spelling_first(alpha, access_of):
    never, long_ago, lately, today = _four_annas_and_their_visits(alpha)
    assert _ids(search_guests(access=access_of("owner"), query="Anna")) == [lately.pk, long_ago.pk, never.pk, today.pk]


def test_a_search_is_counted_up_to_its_cap_on_the_page_and_in_the_api(alpha, monkeypatch):
    monkeypatch.setattr("guests.selectors.SEARCH_COUNT_CAP", 2)
    _four_annas_and_their_visits(alpha)
    api = api_as(alpha, "owner")
    body = api.get("/api/v1/guests", {"q": "Anna", "page_size": 3}).json()
    assert (body["count"], body["count_is_capped"]) == (2, True)
    assert len(body["results"]) == 3
    page = signed_in_client(alpha, "owner").get("/guests/", {"q": "Anna"}).content.decode()
    assert "more than 2 guests" in page
    unsearched = api.get("/api/v1/guests", {"page_size": 3}).json()
    assert (unsearched["count"], unsearched["count_is_capped"]) == (4, False)
