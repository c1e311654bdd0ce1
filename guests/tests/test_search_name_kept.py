"""Every write path keeps the name as searched (Guest.search_name): registration, edits, the CSV import, erasure;
and the migration that introduced it fills it for guests that existed before."""

import importlib

from django.apps import apps
from django.db import connection

from guests.csv_import import ImportedGuest
from guests.models import Guest
from guests.search_text import query_keys, search_keys_of, search_name_of, search_text
from guests.services import erase_guest, merge_import_row, update_guest
from guests.tests.factories import GuestFactory


def _stored(guest):
    name, keys = Guest.objects.values_list("search_name", "search_keys").get(pk=guest.pk)
    assert keys == search_keys_of(name)  # the lookup keys always follow the name
    return name


def test_the_spelling_searched_is_latin_lowercase_without_accents():
    assert search_text("  Ёлкина-Щукина  Jürgen ") == "elkina schukina jurgen"
    assert search_name_of("Юлия", "Иванова") == "yuliya ivanova"
    assert search_text("Straße") == "strasse"


def test_a_name_one_edit_away_shares_a_key_with_it():
    assert set(search_keys_of("ivan ivanov")) & set(query_keys("ivnaov"))  # two letters swapped
    assert set(search_keys_of("ivan ivanov")) & set(query_keys("ivanv"))  # one left out
    assert set(search_keys_of("anna smirnova")) & set(query_keys("smirn"))  # a beginning
    assert not set(search_keys_of("oleg petrov")) & set(query_keys("ivnaov"))


def test_registration_and_edits_keep_it(alpha, access_of):
    guest = GuestFactory(first_name="Пётр", last_name="Смирнов")
    assert _stored(guest) == "petr smirnov"
    update_guest(access=access_of("owner"), guest=guest, data={"first_name": "Pyotr"})
    assert _stored(guest) == "pyotr smirnov"


def test_the_csv_import_keeps_it(alpha):
    merge_import_row(row=ImportedGuest(phone="+79031112233", first_name="Олег", last_name="Кузнецов"), actor=None)
    assert _stored(Guest.objects.get(phone="+79031112233")) == "oleg kuznetsov"


def test_erasure_forgets_it(alpha, access_of):
    guest = GuestFactory(first_name="Анна", last_name="Орлова")
    erase_guest(guest=guest, access=access_of("owner"), reason="request")
    assert _stored(guest) == ""


def test_the_migration_fills_it_for_guests_who_had_none(alpha):
    guests = [GuestFactory(first_name="Мария", last_name=f"Волкова{number}") for number in range(3)]
    Guest.objects.filter(pk__in=[guest.pk for guest in guests]).update(search_name="")
    migration = importlib.import_module("guests.migrations.0009_guest_search")
    with connection.schema_editor(atomic=False) as editor:
        migration.fill_search_names(apps, editor)
    assert [_stored(guest) for guest in guests] == [f"mariya volkova{number}" for number in range(3)]
