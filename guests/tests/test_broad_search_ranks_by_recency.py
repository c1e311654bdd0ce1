"""A search that finds more than BROAD_MATCHES guests (a common first name alone), by the planner's estimate, ranks
them by recent activity only, walking the (last visit, id) index until the page is full; a search counts its matches
up to SEARCH_COUNT_CAP and says "more than" past it (the page and the API), without counting when the estimate is
far above the cap. The tables are analysed first, as autovacuum keeps them: the estimates come from statistics."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
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


def test_a_broad_search_ranks_by_recent_activity_only(alpha, access_of, monkeypatch):
    monkeypatch.setattr("guests.search.BROAD_MATCHES", 3)
    never, long_ago, lately, today = _four_annas_and_their_visits(alpha)
    assert _ids(search_guests(access=access_of("owner"), query="Anna")) == [today.pk, lately.pk, long_ago.pk, never.pk]


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


def test_far_more_matches_than_the_cap_are_not_counted(alpha, access_of, monkeypatch):
    monkeypatch.setattr("guests.selectors.SEARCH_COUNT_CAP", 1)
    monkeypatch.setattr("guests.selectors.SURELY_MORE", 2)
    _four_annas_and_their_visits(alpha)
    from guests.selectors import count_guests, guest_list

    with CaptureQueriesContext(connection) as queries:
        counted = count_guests(guest_list(access=access_of("owner"), params={"q": "Anna"}))
    assert (counted.total, counted.more) == (1, True)
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)
