"""A half-remembered name still finds the guest: one swapped or wrong letter, in Russian and in English."""

import pytest

from guests.selectors import search_guests
from guests.tests.factories import GuestFactory


@pytest.fixture
def guests(alpha):
    return {
        "ivanov": GuestFactory(first_name="Ivan", last_name="Ivanov"),
        "иванов": GuestFactory(first_name="Сергей", last_name="Иванов"),
        "smith": GuestFactory(first_name="John", last_name="Smith"),
        "петров": GuestFactory(first_name="Олег", last_name="Петров"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Ivnaov", {"ivanov", "иванов"}),  # two letters swapped
        ("Иванвo", {"ivanov", "иванов"}),  # Cyrillic with two letters swapped and a Latin "o" at the end
        ("Smiht", {"smith"}),
        ("Петрв", {"петров"}),  # a letter left out
    ],
)
def test_a_name_typed_with_a_typo_finds_the_guest(alpha, access_of, guests, query, expected):
    found = {guest.pk for guest in search_guests(access=access_of("owner"), query=query)}
    assert found == {guests[key].pk for key in expected}


def test_a_typo_in_a_name_works_through_the_guest_list_api_too(alpha, guests):
    from tests.fixtures import api_as

    response = api_as(alpha, "owner").get("/api/v1/guests", {"q": "Smiht"})
    assert [row["id"] for row in response.json()["results"]] == [guests["smith"].pk]


def test_an_unrelated_name_finds_nobody(alpha, access_of, guests):
    assert list(search_guests(access=access_of("owner"), query="Zakharchenko")) == []


@pytest.mark.parametrize("query", ["Ivanov", "Ivanv", "Ivanovv", "Ivabov", "Vianov"])
def test_one_edit_away_is_found(alpha, access_of, guests, query):
    found = {guest.pk for guest in search_guests(access=access_of("owner"), query=query)}
    assert guests["ivanov"].pk in found


def test_two_edits_away_is_too_far(alpha, access_of, guests):
    assert list(search_guests(access=access_of("owner"), query="Ivnaob")) == []


def test_the_beginning_of_a_name_finds_it(alpha, access_of, guests):
    found = {guest.pk for guest in search_guests(access=access_of("owner"), query="Smi")}
    assert found == {guests["smith"].pk}


def test_without_pg_trgm_typos_are_still_found(alpha, access_of, guests, monkeypatch):
    """The embedded PostgreSQL of `make run` has no pg_trgm: names match by their keys all the same (only the
    ranking by similarity is left out)."""
    from guests import search

    monkeypatch.setitem(search._has_trigrams, str(search.connection.settings_dict["NAME"]), False)
    found = {guest.pk for guest in search_guests(access=access_of("owner"), query="Ivnaov")}
    assert found == {guests["ivanov"].pk, guests["иванов"].pk}
