"""The duplicate scan (guests.duplicate_scans): the duplicates page and API show the pairs the last scan stored, with
its time; the first look scans, "Find again" scans anew; a pair whose guest was merged since disappears without a
scan; a pair found again keeps the time it was first found, one no longer found goes; a scan without the lock of a
requested one (the hourly beat) does nothing while that one runs."""

from __future__ import annotations

import datetime

from django.utils import timezone

from guests.duplicate_scans import SCAN_LOCK, scan_for_duplicates, scan_is_running
from guests.merge import merge_guests
from guests.models import DuplicateCandidate, DuplicateScan, Guest
from guests.tests.factories import GuestFactory
from maxloyalty.cache_locks import take_lock
from tests.fixtures import api_as, signed_in_client


def _pair_ids(client) -> set[tuple[int, int]]:
    rows = client.get("/api/v1/guests/duplicates").json()["results"]
    return {(row["first"]["id"], row["second"]["id"]) for row in rows}


def test_the_first_look_scans_and_shows_when(alpha):
    first, second = GuestFactory(email="twin@mail.ru"), GuestFactory(email="TWIN@mail.ru")
    page = signed_in_client(alpha, "owner").get("/guests/duplicates/").content.decode()
    assert f'data-testid="pair-{first.pk}-{second.pk}"' in page
    assert "Guests compared at" in page
    body = api_as(alpha, "owner").get("/api/v1/guests/duplicates").json()
    assert datetime.datetime.fromisoformat(body["compared_at"]) <= timezone.now()
    assert body["is_comparing"] is False


def test_a_guest_added_after_the_scan_appears_after_find_again(alpha):
    GuestFactory(email="early@mail.ru")
    client = signed_in_client(alpha, "owner")
    client.get("/guests/duplicates/")  # scanned: no pairs yet
    late_first, late_second = GuestFactory(phone="+79165550101"), GuestFactory(phone="+79165550102")
    Guest.objects.filter(pk=late_second.pk).update(phone="8 916 555-01-01")
    assert f"pair-{late_first.pk}-{late_second.pk}" not in client.get("/guests/duplicates/").content.decode()

    response = client.post("/guests/duplicates/scan/", follow=True)

    assert f'data-testid="pair-{late_first.pk}-{late_second.pk}"' in response.content.decode()


def test_a_merged_pair_disappears_without_a_new_scan(alpha):
    first, second = GuestFactory(email="same@mail.ru"), GuestFactory(email="same@mail.ru")
    api = api_as(alpha, "owner")
    assert _pair_ids(api) == {(first.pk, second.pk)}
    scans = DuplicateScan.objects.count()

    merge_guests(access=None, survivor_id=first.pk, other_id=second.pk)

    assert _pair_ids(api) == set()
    assert DuplicateScan.objects.count() == scans


def test_a_pair_found_again_keeps_its_time_and_one_no_longer_found_goes(alpha):
    first, second = GuestFactory(email="kept@mail.ru"), GuestFactory(email="kept@mail.ru")
    third, fourth = GuestFactory(email="gone@mail.ru"), GuestFactory(email="gone@mail.ru")
    scan_for_duplicates()
    found_at = DuplicateCandidate.objects.get(first=first, second=second).found_at
    Guest.objects.filter(pk=fourth.pk).update(email="other@mail.ru")

    scan_for_duplicates()

    assert DuplicateCandidate.objects.get(first=first, second=second).found_at == found_at
    assert not DuplicateCandidate.objects.filter(first=third, second=fourth).exists()


def test_a_scan_without_the_lock_does_nothing_while_another_runs(alpha):
    GuestFactory(email="busy@mail.ru"), GuestFactory(email="busy@mail.ru")
    take_lock(SCAN_LOCK, seconds=60)  # a requested scan, queued and not finished

    assert scan_for_duplicates() is None

    assert DuplicateCandidate.objects.count() == 0
    assert scan_is_running()


def test_a_stale_scan_is_redone_when_someone_looks(alpha, settings):
    api = api_as(alpha, "owner")
    api.get("/api/v1/guests/duplicates")
    first, second = GuestFactory(email="new@mail.ru"), GuestFactory(email="new@mail.ru")
    assert _pair_ids(api) == set()  # the scan is fresh: the new pair waits for the next one
    DuplicateScan.objects.update(finished_at=timezone.now() - datetime.timedelta(seconds=61))
    settings.DUPLICATE_SCAN_MAX_AGE_SECONDS = 60

    assert _pair_ids(api) == {(first.pk, second.pk)}
