"""The CSV export streams every guest matching the filters, within the role's scope and masking."""

import csv
import io

import pytest

from guests.export import export_rows
from guests.selectors import guest_list
from guests.tests.factories import GuestFactory
from tests.checks import CheckSpec, send_checks
from tests.fixtures import api_as


def _rows(response):
    assert response.status_code == 200, getattr(response, "content", b"")
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def guests(alpha):
    own, other = alpha.restaurants
    return {
        "own": GuestFactory(phone="+79161234567", email="ivan@mail.ru", tags=["vip"], home_restaurant=own),
        "own_plain": GuestFactory(home_restaurant=own),
        "other": GuestFactory(home_restaurant=other, first_name="=HYPERLINK(1)"),
    }


def test_owner_export_streams_every_guest_with_whole_contacts(alpha, guests):
    rows = _rows(api_as(alpha, "owner").get("/api/v1/guests/export"))
    by_id = {int(row["id"]): row for row in rows}
    assert set(by_id) == {guest.id for guest in guests.values()}
    assert by_id[guests["own"].id]["phone"] == "+79161234567"
    assert by_id[guests["own"].id]["email"] == "ivan@mail.ru"
    assert by_id[guests["other"].id]["first_name"] == "'=HYPERLINK(1)"  # not run as a spreadsheet formula


def test_export_respects_filters(alpha, guests):
    rows = _rows(api_as(alpha, "owner").get("/api/v1/guests/export", {"tag": "vip"}))
    assert [int(row["id"]) for row in rows] == [guests["own"].id]


def test_manager_export_holds_only_their_restaurants_guests(alpha, guests):
    rows = _rows(api_as(alpha, "manager").get("/api/v1/guests/export"))
    assert {int(row["id"]) for row in rows} == {guests["own"].id, guests["own_plain"].id}


def test_cashier_may_not_export(alpha, guests):
    assert api_as(alpha, "cashier").get("/api/v1/guests/export").status_code == 403


def test_export_rows_for_a_role_without_contact_permission_are_masked(alpha, guests, access_of):
    cashier = access_of("cashier")
    header, *rows = list(export_rows(access=cashier, guests=guest_list(access=cashier)))
    row = dict(zip(header, next(row for row in rows if row[0] == str(guests["own"].id)), strict=True))
    assert (row["phone"], row["email"]) == ("+7 916 ***-**-67", "i***@mail.ru")


def test_export_is_audited(alpha, guests):
    from audit.models import AuditEntry

    _rows(api_as(alpha, "owner").get("/api/v1/guests/export", {"tag": "vip"}))
    entry = AuditEntry.objects.get(action="guests.exported")
    assert entry.actor == alpha.user("owner") and entry.data == {"filters": {"tag": "vip"}}


def test_export_reads_in_chunks_for_large_lists(alpha, django_assert_max_num_queries):
    """Guests registered by the service, so a few (25) in small chunks (10): three chunks read with no query per
    guest or per chunk stand for any count."""
    GuestFactory.create_batch(25)
    with django_assert_max_num_queries(4):
        rows = list(export_rows(access=None, guests=guest_list(access=None), chunk_size=10))
    assert len(rows) == 26


def test_export_times_are_in_the_chains_time_zone(alpha):
    import datetime

    from django.utils import timezone

    guest = GuestFactory()
    send_checks(
        alpha, [CheckSpec("500", guest=guest, closed_at=datetime.datetime(2026, 3, 1, 21, 30, tzinfo=datetime.UTC))]
    )
    rows = _rows(api_as(alpha, "owner").get("/api/v1/guests/export"))
    assert alpha.chain.time_zone == "Europe/Moscow"
    assert next(row for row in rows if int(row["id"]) == guest.id)["last_visit_at"] == "2026-03-02T00:30:00+03:00"
    assert timezone.get_current_timezone_name() == "UTC"
