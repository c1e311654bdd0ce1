"""Duplicate detection (guests.duplicates, stored by the scan of guests.duplicate_scans): each reason finds its pair,
once, with every reason it has; unrelated guests, erased and merged ones are not paired."""

from __future__ import annotations

import datetime

import pytest

from guests.duplicate_scans import scan_for_duplicates
from guests.duplicates import duplicate_pairs
from guests.merge import merge_guests
from guests.models import Guest
from guests.search import trigram_search_available
from guests.services import erase_guest
from guests.tests.factories import GuestFactory


def _legacy_spelling(guest: Guest, **fields: str) -> None:
    # Profiles written before normalisation existed (old imports, set-based writes) keep their spelling.
    Guest.objects.filter(pk=guest.pk).update(**fields)


def _reasons_of(first: Guest, second: Guest) -> tuple[str, ...] | None:
    low, high = sorted([first.pk, second.pk])
    scan_for_duplicates()
    found = {(pair.first.pk, pair.second.pk): pair.reasons for pair in duplicate_pairs(limit=1000)}
    return found.get((low, high))


def test_same_phone_in_another_spelling_is_a_pair(alpha):
    first = GuestFactory(phone="+79161234567", email="")
    second = GuestFactory(phone="+79161234568", email="")
    _legacy_spelling(second, phone="8 (916) 123-45-67")
    assert _reasons_of(first, second) == ("phone",)


def test_same_email_in_another_case_is_a_pair(alpha):
    first = GuestFactory(email="Anna@Mail.ru")
    second = GuestFactory(email="anna@mail.ru")
    assert _reasons_of(first, second) == ("email",)


def test_same_card_number_is_a_pair(alpha):
    first = GuestFactory(email="")
    second = GuestFactory(email="")
    _legacy_spelling(
        second, card_number=" ".join([first.card_number[:4], first.card_number[4:8], first.card_number[8:]])
    )
    assert _reasons_of(first, second) == ("card",)


def test_same_name_and_birthday_is_a_pair(alpha):
    birthday = datetime.date(1990, 5, 17)
    first = GuestFactory(first_name="Ivan", last_name="Petrov", birthday=birthday, email="")
    second = GuestFactory(first_name="Ivan", last_name="Petrov", birthday=birthday, email="")
    assert _reasons_of(first, second) == ("name_birthday",)


def test_same_name_on_another_birthday_is_no_pair(alpha):
    first = GuestFactory(first_name="Ivan", last_name="Petrov", birthday=datetime.date(1990, 5, 17), email="")
    second = GuestFactory(first_name="Ivan", last_name="Petrov", birthday=datetime.date(1991, 5, 17), email="")
    assert _reasons_of(first, second) is None


def test_a_pair_lists_every_reason_once(alpha):
    birthday = datetime.date(1985, 1, 2)
    first = GuestFactory(first_name="Olga", last_name="Smirnova", birthday=birthday, email="olga@mail.ru")
    second = GuestFactory(first_name="Olga", last_name="Smirnova", birthday=birthday, email="OLGA@mail.ru")
    assert _reasons_of(first, second) == ("email", "name_birthday")
    assert len([pair for pair in duplicate_pairs(limit=1000) if {pair.first, pair.second} == {first, second}]) == 1


def test_erased_and_merged_guests_are_no_longer_paired(alpha):
    first = GuestFactory(email="same@mail.ru")
    second = GuestFactory(email="same@mail.ru")
    third = GuestFactory(email="same@mail.ru")
    erase_guest(guest=third, access=None, reason="asked")
    assert _reasons_of(first, third) is None
    merge_guests(access=None, survivor_id=first.pk, other_id=second.pk)
    assert _reasons_of(first, second) is None


def test_a_typo_in_the_last_name_with_the_same_birthday_is_a_pair(alpha):
    if not trigram_search_available():
        pytest.skip("the server has no pg_trgm: names are compared equal")
    birthday = datetime.date(1979, 3, 8)
    first = GuestFactory(first_name="Ekaterina", last_name="Alexandrova", birthday=birthday, email="")
    second = GuestFactory(first_name="Ekaterina", last_name="Aleksandrova", birthday=birthday, email="")
    assert _reasons_of(first, second) == ("name_birthday",)
