"""The guest list page: search, filters, sort, paging, scoping, bulk tagging, CSV/XLSX export, CSV import."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEntry
from guests.models import Guest
from guests.tests.factories import GuestFactory
from tests.fixtures import signed_in_client


@pytest.fixture
def guests(alpha):
    center, riverside = alpha.restaurants
    return {
        "ivan": GuestFactory(phone="+79161112233", first_name="Ivan", last_name="Abramov", home_restaurant=center),
        "olga": GuestFactory(
            phone="+79035550011", first_name="Olga", last_name="Zorina", home_restaurant=riverside, tags=["vip"]
        ),
    }


def _names(response):
    assert response.status_code == 200
    return [row["guest"].first_name for row in response.context["rows"]]


def test_search_finds_a_guest_by_phone_in_any_spelling(alpha, guests):
    response = signed_in_client(alpha, "owner").get("/guests/", {"q": "8 (916) 111-22-33"})
    assert _names(response) == ["Ivan"]
    assert "+79161112233" in response.content.decode()


def test_search_finds_a_guest_by_name_card_and_email(alpha, guests):
    client = signed_in_client(alpha, "owner")
    assert _names(client.get("/guests/", {"q": "olg"})) == ["Olga"]
    assert _names(client.get("/guests/", {"q": guests["ivan"].card_number})) == ["Ivan"]
    assert _names(client.get("/guests/", {"q": guests["olga"].email})) == ["Olga"]


def test_filters_by_tag_and_home_restaurant_and_sorts_by_last_name(alpha, guests):
    client = signed_in_client(alpha, "owner")
    assert _names(client.get("/guests/", {"tag": "vip"})) == ["Olga"]
    assert _names(client.get("/guests/", {"home_restaurant": alpha.restaurants[0].pk})) == ["Ivan"]
    assert _names(client.get("/guests/", {"ordering": "-last_name"})) == ["Olga", "Ivan"]
    assert _names(client.get("/guests/", {"ordering": "last_name"})) == ["Ivan", "Olga"]


def test_invalid_filter_shows_the_error_and_keeps_the_typed_value(alpha, guests):
    response = signed_in_client(alpha, "owner").get("/guests/", {"last_visit_from": "yesterday-ish"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid date." in page
    assert 'value="yesterday-ish"' in page


def test_list_pages_through_many_guests(alpha):
    GuestFactory.create_batch(30)
    client = signed_in_client(alpha, "admin")
    first, second = client.get("/guests/"), client.get("/guests/", {"page": 2})
    assert len(first.context["rows"]) == 25
    assert len(second.context["rows"]) == 5
    assert "Page 2 of 2 (30 guests)" in second.content.decode()


def test_empty_list_tells_what_to_do_next(alpha):
    page = signed_in_client(alpha, "owner").get("/guests/").content.decode()
    assert "No guests yet" in page
    assert 'href="/guests/import/" data-testid="empty-action">Import guests from CSV<' in page
    filtered = signed_in_client(alpha, "owner").get("/guests/", {"q": "nobody-like-this"}).content.decode()
    assert "No guest matches these filters." in filtered


def test_manager_sees_only_their_restaurants_guests(alpha, guests):
    response = signed_in_client(alpha, "manager").get("/guests/")
    assert _names(response) == ["Ivan"]
    assert "Olga" not in response.content.decode()


def test_bulk_tag_adds_and_removes_a_tag_on_ticked_guests_with_audit(alpha, guests):
    client = signed_in_client(alpha, "admin")
    ids = [guests["ivan"].pk, guests["olga"].pk]
    response = client.post("/guests/bulk-tag/", {"guest_ids": ids, "tag": "party", "operation": "add"}, follow=True)
    assert "Tag “party” added to 2 guests." in response.content.decode()
    assert all("party" in guest.tags for guest in Guest.objects.filter(pk__in=ids))
    assert AuditEntry.objects.filter(action="guest.updated", object_id=str(guests["olga"].pk)).exists()
    client.post("/guests/bulk-tag/", {"guest_ids": [guests["olga"].pk], "tag": "vip", "operation": "remove"})
    assert Guest.objects.get(pk=guests["olga"].pk).tags == ["party"]


def test_bulk_tag_by_a_manager_leaves_other_restaurants_guests_untouched(alpha, guests):
    ids = [guests["ivan"].pk, guests["olga"].pk]
    response = signed_in_client(alpha, "manager").post(
        "/guests/bulk-tag/", {"guest_ids": ids, "tag": "party", "operation": "add"}, follow=True
    )
    assert "1 guest could not be changed." in response.content.decode()
    assert Guest.objects.get(pk=guests["ivan"].pk).tags == ["party"]
    assert Guest.objects.get(pk=guests["olga"].pk).tags == ["vip"]


def test_bulk_tag_without_ticked_guests_says_so(alpha, guests):
    response = signed_in_client(alpha, "admin").post("/guests/bulk-tag/", {"tag": "x", "operation": "add"}, follow=True)
    assert "Select at least one guest." in response.content.decode()


def _csv_lines(response):
    return b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()


def test_csv_export_streams_the_filtered_guests_and_is_audited(alpha, guests):
    response = signed_in_client(alpha, "owner").get("/guests/export.csv", {"tag": "vip"})
    lines = _csv_lines(response)
    assert response["Content-Type"].startswith("text/csv")
    assert lines[0].startswith("id,phone,first_name")
    assert len(lines) == 2
    assert "Olga" in lines[1]
    assert AuditEntry.objects.filter(action="guests.exported", data__format="csv").exists()


def test_manager_export_holds_only_their_restaurants_guests(alpha, guests):
    lines = _csv_lines(signed_in_client(alpha, "manager").get("/guests/export.csv"))
    assert len(lines) == 2
    assert "Ivan" in lines[1]


def test_xlsx_export_opens_with_openpyxl_and_has_the_rows(alpha, guests):
    response = signed_in_client(alpha, "admin").get("/guests/export.xlsx", {"ordering": "last_name"})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("id", "phone", "first_name")
    assert [row[2] for row in rows[1:]] == ["Ivan", "Olga"]
    assert rows[1][1] == "+79161112233"


def test_manager_xlsx_export_holds_only_their_restaurants_guests(alpha, guests):
    response = signed_in_client(alpha, "manager").get("/guests/export.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))
    assert [row[2] for row in rows[1:]] == ["Ivan"]


CSV = "phone,first_name,email\n+79161234567,Ivan,ivan@mail.ru\nnot-a-phone,Bad,\n+79035550099,Olga,olga@\n"


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def test_import_shows_progress_counters_and_the_rows_that_failed(
    alpha, media_in_tmp, django_capture_on_commit_callbacks
):
    client = signed_in_client(alpha, "admin")
    upload = SimpleUploadedFile("guests.csv", CSV.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/guests/import/", {"file": upload})
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.context["job"].status == "done"
    assert page.context["percent"] == 100
    assert 'data-testid="created">1<' in html
    assert 'data-testid="failed">2<' in html
    assert html.count('data-testid="import-error"') == 2
    assert "not-a-phone" in html
    assert 'hx-trigger="every 1s"' not in html  # finished: polling stops
    assert Guest.objects.filter(phone="+79161234567", first_name="Ivan").exists()


def test_running_import_polls_its_progress_with_htmx(alpha, media_in_tmp):
    client = signed_in_client(alpha, "admin")
    upload = SimpleUploadedFile("guests.csv", CSV.encode(), content_type="text/csv")
    response = client.post("/guests/import/", {"file": upload})  # not committed: the task has not run yet
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith("<section")
    assert "Waiting" in partial


def test_import_without_a_file_shows_the_field_error(alpha, media_in_tmp):
    response = signed_in_client(alpha, "admin").post("/guests/import/", {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
