"""Keyset pages (maxloyalty.keyset) over the tables that grow for years: walking Older (or back Newer) shows every
row exactly once in (time, id) order, ties on the time column included; a row written while someone pages shifts
nothing; filters stay applied; an invalid cursor is a 400 in the API and the first page with a message on pages;
a cursor is a position, never a permission (alpha's cursor on beta shows beta's rows only)."""

import base64
import html
import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from audit.services import record_audit
from guests.tests.factories import GuestFactory
from loyalty.services import adjust_points
from maxloyalty.keyset import InvalidCursor, decode_cursor, keyset_page
from tests.checks import CheckSpec, send_checks
from tests.fixtures import api_as, api_on, signed_in_client


def _audit_entries(count, *, prefix="keyset", actor=None):
    return [record_audit(action=f"{prefix}.{number}", actor=actor) for number in range(count)]


def _with_ties(entries):
    """Give the entries three shared times (the ties a batch insert makes), newest group first."""
    base = timezone.now() - timedelta(hours=1)
    for index, entry in enumerate(entries):
        AuditEntry.objects.filter(pk=entry.pk).update(created_at=base + timedelta(minutes=index % 3))
    return base


def _newest_first(queryset):
    return list(queryset.order_by("-created_at", "-id").values_list("id", flat=True))


def _walk_older(queryset, size):
    pages, cursor = [], None
    while True:
        page = keyset_page(queryset, time_field="created_at", cursor=cursor, size=size)
        pages.append(page)
        if page.older_cursor is None:
            return pages
        cursor = page.older_cursor


def test_walking_older_shows_every_row_once_in_order_with_ties_on_the_time_column(alpha):
    _with_ties(_audit_entries(11))
    entries = AuditEntry.objects.filter(action__startswith="keyset.")
    pages = _walk_older(entries, size=3)
    shown = [entry.pk for page in pages for entry in page.rows]
    assert shown == _newest_first(entries)
    assert len(shown) == len(set(shown)) == 11
    assert [len(page.rows) for page in pages] == [3, 3, 3, 2]
    assert pages[0].newer_cursor is None and all(page.newer_cursor for page in pages[1:])


def test_walking_back_newer_from_the_last_page_shows_the_same_pages(alpha):
    _with_ties(_audit_entries(9))
    entries = AuditEntry.objects.filter(action__startswith="keyset.")
    pages = _walk_older(entries, size=3)
    back, cursor = [], pages[-1].newer_cursor
    while cursor:
        page = keyset_page(entries, time_field="created_at", cursor=cursor, size=3)
        back.append([entry.pk for entry in page.rows])
        cursor = page.newer_cursor
    assert back == [[entry.pk for entry in page.rows] for page in pages[:-1]][::-1]


def test_a_row_written_while_paging_neither_shifts_nor_repeats_the_next_page(alpha):
    _audit_entries(6)
    entries = AuditEntry.objects.filter(action__startswith="keyset.")
    expected = _newest_first(entries)
    first = keyset_page(entries, time_field="created_at", cursor=None, size=3)
    record_audit(action="keyset.new", actor=None)  # newer than every row shown
    second = keyset_page(entries, time_field="created_at", cursor=first.older_cursor, size=3)
    assert [entry.pk for entry in first.rows + second.rows] == expected
    assert second.older_cursor is None


def test_newer_from_a_page_is_the_rows_just_above_it_even_after_new_rows_arrived(alpha):
    made = _audit_entries(5)
    entries = AuditEntry.objects.filter(action__startswith="keyset.")
    first = keyset_page(entries, time_field="created_at", cursor=None, size=3)
    second = keyset_page(entries, time_field="created_at", cursor=first.older_cursor, size=3)
    record_audit(action="keyset.new", actor=None)
    back = keyset_page(entries, time_field="created_at", cursor=second.newer_cursor, size=3)
    assert [entry.pk for entry in back.rows] == [entry.pk for entry in made[2:][::-1]] == [e.pk for e in first.rows]
    assert back.newer_cursor is not None  # the new row is above it


def test_a_newer_page_short_of_the_newest_rows_is_the_full_first_page(alpha):
    made = _audit_entries(5)
    entries = AuditEntry.objects.filter(action__startswith="keyset.")
    first = keyset_page(entries, time_field="created_at", cursor=None, size=3)
    second = keyset_page(entries, time_field="created_at", cursor=first.older_cursor, size=3)
    AuditEntry.objects.filter(pk=made[-1].pk).delete()  # purged meanwhile: two rows left above the second page
    back = keyset_page(entries, time_field="created_at", cursor=second.newer_cursor, size=3)
    assert [entry.pk for entry in back.rows] == _newest_first(entries)[:3]
    assert back.newer_cursor is None


@pytest.mark.parametrize("cursor", ["garbage", "bm9wZQ", "WyJvbGRlciIsIjIwMjYtMDEtMDEiLDFd", "WyJ1cCIsMSwxXQ"])
def test_a_cursor_that_is_not_ours_is_refused(cursor):
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor)


# --- the audit log page ---------------------------------------------------------------------------


def _older_link(page_html):
    found = re.search(r'href="([^"]*)" rel="next" data-testid="older"', page_html)
    return html.unescape(found.group(1)) if found else None


def _shown_actions(page_html):
    return re.findall(r"<code>(keyset[^<]*)</code>", page_html)


def test_audit_page_walks_older_with_its_filters_applied(alpha, monkeypatch):
    monkeypatch.setattr("audit.views.ENTRIES_PER_PAGE", 2)
    _audit_entries(5, prefix="keyset.kept")
    _audit_entries(3, prefix="keyset.other")
    client = signed_in_client(alpha, "owner")
    address, shown, pages = "/audit/?action=keyset.kept", [], 0
    while address:
        page_html = client.get(address).content.decode()
        shown += _shown_actions(page_html)
        pages += 1
        older = _older_link(page_html)
        assert older is None or older.startswith("?action=keyset.kept&cursor=")
        address = f"/audit/{older}" if older else None
    assert pages == 3
    assert shown == [f"keyset.kept.{number}" for number in reversed(range(5))]


def test_audit_page_with_an_invalid_cursor_shows_the_newest_entries_and_says_so(alpha):
    _audit_entries(2)
    response = signed_in_client(alpha, "owner").get("/audit/", {"action": "keyset", "cursor": "not-a-cursor"})
    page_html = response.content.decode()
    assert response.status_code == 200
    assert "This page link is not valid" in page_html
    assert _shown_actions(page_html) == ["keyset.1", "keyset.0"]


def test_alphas_cursor_on_betas_audit_page_shows_only_betas_entries(alpha, beta):
    with schema_context(beta.chain.schema_name):
        _audit_entries(2, prefix="keyset.beta")
    _audit_entries(3, prefix="keyset.alpha")
    alpha_entries = AuditEntry.objects.filter(action__startswith="keyset.alpha")
    cursor = keyset_page(alpha_entries, time_field="created_at", cursor=None, size=1).older_cursor
    page_html = signed_in_client(beta, "owner").get("/audit/", {"cursor": cursor}).content.decode()
    assert _shown_actions(page_html) == ["keyset.beta.1", "keyset.beta.0"]


def test_a_restaurants_failed_checks_page_older_one_by_one(alpha, monkeypatch):
    monkeypatch.setattr("pos.views.restaurants.FAILED_RECEIPTS_PER_PAGE", 2)
    center = alpha.restaurants[0]
    # Refunds of sales the POS never sent: each fails, waiting for its sale.
    send_checks(alpha, [CheckSpec("100", restaurant=center, external_id=f"F-{n}", is_refund=True) for n in range(5)])
    client = signed_in_client(alpha, "owner")
    address, shown = f"/restaurants/{center.pk}/", []
    while address:
        page_html = client.get(address).content.decode()
        shown += re.findall(r"<td>(F-\d)</td>", page_html)
        older = _older_link(page_html)
        address = older
    expected = center.receipts.filter(status="failed").order_by("-received_at", "-id")
    assert shown == list(expected.values_list("external_id", flat=True))
    assert sorted(shown) == [f"F-{n}" for n in range(5)]


# --- the API lists --------------------------------------------------------------------------------


def _walk_api(client, address):
    results, first = [], None
    while address:
        body = client.get(address).json()
        first = first or body
        results += body["results"]
        address = body["next"]
    return first, results


def test_receipts_api_walks_every_receipt_of_the_filtered_restaurant_once_newest_first(alpha):
    riverside = alpha.restaurants[1]
    send_checks(alpha, [CheckSpec("100.00", restaurant=riverside) for _ in range(5)])
    send_checks(alpha, [CheckSpec("100.00") for _ in range(2)])  # another restaurant: filtered out
    first, results = _walk_api(api_as(alpha, "owner"), f"/api/v1/pos/receipts?restaurant={riverside.pk}&page_size=2")
    expected = list(riverside.receipts.order_by("-received_at", "-id").values_list("id", flat=True))
    assert [receipt["id"] for receipt in results] == expected
    assert len(expected) == 5
    assert first["previous"] is None
    assert "count" not in first  # a chain's receipts are not counted for a page


def test_guest_transactions_api_walks_a_guests_history_with_its_count(alpha):
    guest = GuestFactory(home_restaurant=alpha.restaurants[0])
    for number in range(5):
        adjust_points(guest=guest, points=number + 1, reason=f"r{number}", actor=None, idempotency_key=f"k-{number}")
    first, results = _walk_api(api_as(alpha, "owner"), f"/api/v1/guests/{guest.pk}/transactions?page_size=2")
    assert [entry["points"] for entry in results] == [5, 4, 3, 2, 1]
    assert first["count"] == 5


@pytest.mark.parametrize(
    "address", ["/api/v1/pos/receipts?cursor=nope", "/api/v1/guests/{guest}/transactions?cursor=bm9wZQ"]
)
def test_an_invalid_cursor_is_a_uniform_400(alpha, address):
    guest = GuestFactory(home_restaurant=alpha.restaurants[0])
    response = api_as(alpha, "owner").get(address.format(guest=guest.pk))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_cursor"
    assert error["message"]


def test_alphas_receipt_cursor_on_beta_lists_only_betas_receipts(alpha, beta):
    with schema_context(beta.chain.schema_name):
        beta_receipts = send_checks(beta, [CheckSpec("100.00") for _ in range(2)])
    send_checks(alpha, [CheckSpec("100.00") for _ in range(3)])
    alpha_first = api_as(alpha, "owner").get("/api/v1/pos/receipts?page_size=1").json()
    cursor = alpha_first["next"].split("cursor=")[1].split("&")[0]
    listed = api_as(beta, "owner").get(f"/api/v1/pos/receipts?cursor={cursor}").json()["results"]
    assert {receipt["id"] for receipt in listed} <= {receipt.pk for receipt in beta_receipts}
    assert {receipt["external_id"] for receipt in listed} == {receipt.external_id for receipt in beta_receipts}


def test_openapi_documents_the_cursor_and_the_page_shape_of_the_keyset_lists(alpha):
    schema = api_on(alpha.host).get("/api/schema/?format=json").json()
    for path, page in [
        ("/api/v1/pos/receipts", "ReceiptPage"),
        ("/api/v1/guests/{guest_id}/transactions", "LedgerEntryPage"),
        ("/api/v1/guests/{guest_id}/visits", "VisitPage"),
    ]:
        operation = schema["paths"][path]["get"]
        assert {"cursor", "page_size"} <= {parameter["name"] for parameter in operation["parameters"]}
        assert "page" not in {parameter["name"] for parameter in operation["parameters"]}
        assert {"next", "previous", "results"} <= set(schema["components"]["schemas"][page]["properties"])


@pytest.mark.parametrize(
    ("position", "shown"),
    [
        (["older", "0001-01-01T00:00:00+05:00", 1], 0),  # past the oldest row: an empty page
        (["newer", "9999-12-31T23:59:59-14:00", 2**63 - 1], 2),  # past the newest: the first page
    ],
)
def test_a_cursor_at_the_ends_of_time_answers_a_page_not_an_error(alpha, position, shown):
    send_checks(alpha, [CheckSpec("100.00"), CheckSpec("100.00")])
    cursor = base64.urlsafe_b64encode(json.dumps(position).encode()).decode()
    response = api_as(alpha, "owner").get("/api/v1/pos/receipts", {"cursor": cursor})
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == shown
