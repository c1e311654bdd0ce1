"""A name typed in the other alphabet finds the guest: "Ivanov" finds "Иванов" and "Иванов" finds "Ivanov";
accents are ignored ("Muller" finds "Müller")."""

import pytest

from guests.models import Guest
from guests.selectors import search_guests
from guests.services import update_guest
from guests.tests.factories import GuestFactory


def _found(access, query):
    return {guest.pk for guest in search_guests(access=access, query=query)}


def test_latin_query_finds_a_cyrillic_name(alpha, access_of):
    ivanov = GuestFactory(first_name="Сергей", last_name="Иванов")
    GuestFactory(first_name="Сергей", last_name="Кузнецов")
    assert _found(access_of("owner"), "Ivanov") == {ivanov.pk}


def test_cyrillic_query_finds_a_latin_name(alpha, access_of):
    ivanov = GuestFactory(first_name="Sergey", last_name="Ivanov")
    GuestFactory(first_name="Sergey", last_name="Kuznetsov")
    assert _found(access_of("owner"), "Иванов") == {ivanov.pk}


@pytest.mark.parametrize("query", ["Щукина", "Shchukina", "shukina", "Yulia Shchukina", "Юлия"])
def test_names_with_letters_that_become_several_latin_ones(alpha, access_of, query):
    yulia = GuestFactory(first_name="Юлия", last_name="Щукина")
    GuestFactory(first_name="Анна", last_name="Смирнова")
    assert _found(access_of("owner"), query) == {yulia.pk}


def test_accents_are_ignored(alpha, access_of):
    muller = GuestFactory(first_name="Jürgen", last_name="Müller")
    assert _found(access_of("owner"), "muller") == {muller.pk}
    assert _found(access_of("owner"), "Jurgen Muller") == {muller.pk}


def test_a_renamed_guest_is_found_by_the_new_name_only(alpha, access_of):
    guest = GuestFactory(first_name="Анна", last_name="Смирнова")
    update_guest(access=access_of("owner"), guest=guest, data={"last_name": "Кузнецова"})
    assert Guest.objects.get(pk=guest.pk).search_name == "anna kuznetsova"
    assert _found(access_of("owner"), "Kuznetsova") == {guest.pk}
    assert _found(access_of("owner"), "Смирнова") == set()
