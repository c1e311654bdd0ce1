"""Search results come best match first: the closer spelling of the name, then the guest seen most recently, and
page through like any list (the page and the API)."""

import datetime

import pytest
from django.utils import timezone

from guests.selectors import search_guests
from guests.tests.factories import GuestFactory, visits
from tests.checks import CheckSpec
from tests.fixtures import api_as, signed_in_client


def _ids(guests):
    return [guest.pk for guest in guests]


def test_exact_spelling_ranks_above_a_similar_name(alpha, access_of):
    ivanova = GuestFactory(first_name="Maria", last_name="Ivanova")
    ivanov = GuestFactory(first_name="Oleg", last_name="Иванов")
    assert _ids(search_guests(access=access_of("owner"), query="Ivanov")) == [ivanov.pk, ivanova.pk]


def test_equally_close_names_rank_by_last_visit_and_guests_never_seen_come_last(alpha, access_of):
    never, long_ago, lately = (GuestFactory(first_name="Anna", last_name="Orlova") for _ in range(3))
    now = timezone.now()
    visits(
        alpha,
        [
            CheckSpec("500.00", guest=long_ago, closed_at=now - datetime.timedelta(days=30)),
            CheckSpec("500.00", guest=lately, closed_at=now - datetime.timedelta(hours=2)),
        ],
    )
    assert _ids(search_guests(access=access_of("owner"), query="Орлова")) == [lately.pk, long_ago.pk, never.pk]


def test_search_results_page_through_the_api_without_repeats(alpha):
    made = {GuestFactory(first_name="Kirill", last_name=f"Sokolov{letter}").pk for letter in "abcde"}
    api = api_as(alpha, "owner")
    first = api.get("/api/v1/guests", {"q": "Sokolov", "page_size": 3}).json()
    second = api.get(first["next"]).json()
    assert first["count"] == 5
    assert len(first["results"]) == 3
    assert {row["id"] for row in first["results"] + second["results"]} == made
    assert second["next"] is None


def test_the_guest_list_page_shows_the_closest_name_first(alpha):
    sokolova = GuestFactory(first_name="Дмитрий", last_name="Соколова")
    sokolov = GuestFactory(first_name="Дмитрий", last_name="Соколов")
    page = signed_in_client(alpha, "owner").get("/guests/", {"q": "Sokolov"})
    text = page.content.decode()
    assert page.status_code == 200
    assert 0 < text.index(f"/guests/{sokolov.pk}/") < text.index(f"/guests/{sokolova.pk}/")


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_restaurant_roles_search_only_their_restaurants_guests(alpha, access_of, role):
    theirs = GuestFactory(first_name="Ivan", last_name="Petrov", home_restaurant=alpha.restaurants[0])
    GuestFactory(first_name="Ivan", last_name="Petrov", home_restaurant=alpha.restaurants[1])
    assert _ids(search_guests(access=access_of(role), query="Petrvo")) == [theirs.pk]
