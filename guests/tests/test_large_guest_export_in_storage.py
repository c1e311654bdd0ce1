"""A guest export larger than GUEST_EXPORT_STREAM_LIMIT is written by the Celery task into the chain's files and
downloaded, through the rights-checked door, by the staff member who asked for it, within their restaurant scope and
masking; smaller ones still stream."""

import csv
import io

import pytest
from openpyxl import load_workbook

from audit.models import AuditEntry
from guests.models import GuestExport
from guests.tests.factories import GuestFactory
from tests.fixtures import client_on, signed_in_client
from tests.object_storage import downloaded


@pytest.fixture
def guests(alpha, settings):
    settings.GUEST_EXPORT_STREAM_LIMIT = 1
    own, other = alpha.restaurants
    return [
        GuestFactory(phone="+79161234567", first_name="Ivan", home_restaurant=own),
        GuestFactory(phone="+79035550011", first_name="=cmd()", home_restaurant=own),
        GuestFactory(phone="+79210001122", first_name="Elsewhere", home_restaurant=other),
    ]


def _export(client, django_capture_on_commit_callbacks, path="/guests/export.csv"):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(path)
    assert response.status_code == 302, response.status_code
    export = GuestExport.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    return export


def test_large_export_lands_under_the_chains_prefix_and_its_asker_downloads_it(
    alpha, guests, chain_storage, django_capture_on_commit_callbacks
):
    client = signed_in_client(alpha, "owner")
    export = _export(client, django_capture_on_commit_callbacks)
    assert (export.status, export.rows) == ("done", 3)
    assert chain_storage.stored_names() == [export.file.name]
    assert export.file.name.startswith(f"chains/{alpha.chain.schema_name}/guest-exports/")
    page = client.get(f"/guests/exports/{export.pk}/").content.decode()
    assert f"/guests/exports/{export.pk}/file" in page
    rows = list(
        csv.DictReader(io.StringIO(downloaded(client.get(f"/guests/exports/{export.pk}/file")).decode("utf-8-sig")))
    )
    assert {row["phone"] for row in rows} == {"+79161234567", "+79035550011", "+79210001122"}
    assert "'=cmd()" in {row["first_name"] for row in rows}  # never run as a formula
    assert AuditEntry.objects.filter(action="guests.exported", actor=alpha.user("owner")).count() == 1


def test_xlsx_export_is_written_as_a_workbook(alpha, guests, chain_storage, django_capture_on_commit_callbacks):
    client = signed_in_client(alpha, "owner")
    export = _export(client, django_capture_on_commit_callbacks, "/guests/export.xlsx")
    workbook = load_workbook(io.BytesIO(downloaded(client.get(f"/guests/exports/{export.pk}/file"))))
    assert workbook.active.max_row == 4  # the header and three guests


def test_the_manager_gets_only_the_guests_of_their_restaurant(
    alpha, guests, chain_storage, django_capture_on_commit_callbacks
):
    client = signed_in_client(alpha, "manager")
    export = _export(client, django_capture_on_commit_callbacks)
    text = downloaded(client.get(f"/guests/exports/{export.pk}/file")).decode("utf-8-sig")
    assert {row["first_name"] for row in csv.DictReader(io.StringIO(text))} == {"Ivan", "'=cmd()"}


def test_another_exporter_of_the_chain_and_another_chain_get_not_found(
    alpha, beta, guests, chain_storage, django_capture_on_commit_callbacks
):
    export = _export(signed_in_client(alpha, "owner"), django_capture_on_commit_callbacks)
    url = f"/guests/exports/{export.pk}/file"
    assert signed_in_client(alpha, "admin").get(url).status_code == 404  # may export, but not the owner's file
    on_beta = client_on(beta.host)
    on_beta.force_login(beta.user("owner"), backend="django.contrib.auth.backends.ModelBackend")
    assert on_beta.get(url).status_code == 404


def test_a_role_without_the_export_right_is_refused(alpha, guests, chain_storage, django_capture_on_commit_callbacks):
    export = _export(signed_in_client(alpha, "owner"), django_capture_on_commit_callbacks)
    assert signed_in_client(alpha, "cashier").get(f"/guests/exports/{export.pk}/file").status_code == 403


def test_small_exports_still_stream(alpha, guests, settings):
    settings.GUEST_EXPORT_STREAM_LIMIT = 3
    response = signed_in_client(alpha, "owner").get("/guests/export.csv")
    assert response.status_code == 200
    assert response.streaming
    assert not GuestExport.objects.exists()
