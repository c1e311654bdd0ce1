"""Guest search reads indexes, not the whole guest table: the name keys' index for a name (with a typo, in either
alphabet), the phone's trigram index for its last digits, the note's and the email's for a word."""

import pytest
from django.db import connection

from guests.search import trigram_search_available
from guests.selectors import search_guests
from guests.tests.factories import GuestFactory


@pytest.fixture
def plan_of(alpha, access_of):
    assert trigram_search_available()  # the test server has pg_trgm (the embedded one of `make run` has not)
    GuestFactory(first_name="Ivan", last_name="Ivanov", phone="+79161234567", note="любит столик у окна")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE guests_guest")
        # Scans that read every row (a sequential scan, a full scan of the primary key) are priced out, so a
        # bitmap scan appears wherever an index can serve the search, and a sequential scan where none can.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")

    def plan(query: str) -> str:
        return search_guests(access=access_of("owner"), query=query).explain()

    return plan


@pytest.mark.parametrize("query", ["Ivnaov", "Иванов", "Ivan Ivanov"])
def test_a_name_search_reads_the_names_keys_index(plan_of, query):
    assert "guests_guest_search_keys_idx" in plan_of(query)


@pytest.mark.parametrize("query", ["4567", "234567"])
def test_a_phone_suffix_search_reads_the_phones_trigram_index(plan_of, query):
    assert "guests_guest_phone_trgm" in plan_of(query)


def test_a_word_search_reads_the_note_and_email_indexes_too(plan_of):
    plan = plan_of("окна")
    assert "guests_guest_note_trgm" in plan
    assert "guests_guest_email_prefix_idx" in plan
    assert "Seq Scan on guests_guest" not in plan


def test_a_two_letter_search_reads_no_note_and_scans_nothing(plan_of):
    plan = plan_of("Iv")
    assert "note" not in plan
    assert "guests_guest_search_keys_idx" in plan
    assert "Seq Scan on guests_guest" not in plan
