"""CSV upload through the API: a Celery task imports it, and its progress and bad rows can be polled."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guests.models import Guest, ImportJob
from guests.services import run_import_job
from guests.tests.factories import GuestFactory
from tests.fixtures import api_as

CSV = (
    "phone,first_name,email\n"
    "+79161234567,Ivan,ivan@mail.ru\n"
    "not-a-phone,Bad,\n"
    "89161234567,Ivan-Merged,\n"
    "+79035550011,Olga,olga@\n"
    "+79210001122,Anna,\n"
)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.LANGUAGE_CODE = "en"


def _upload(api, text=CSV, name="guests.csv"):
    return api.post(
        "/api/v1/guests/import",
        {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_upload_is_imported_by_the_task_and_progress_is_polled(alpha, django_capture_on_commit_callbacks):
    GuestFactory(phone="+79210001122", first_name="Anna")
    api = api_as(alpha, "admin")
    with django_capture_on_commit_callbacks(execute=True):
        accepted = _upload(api)
    assert accepted.status_code == 202, accepted.content
    job_id = accepted.json()["id"]
    progress = api.get(f"/api/v1/guests/import/{job_id}").json()
    assert progress["status"] == "done"
    assert {key: progress[key] for key in ("total", "processed", "created", "updated", "failed")} == {
        "total": 5,
        "processed": 5,
        "created": 1,
        "updated": 2,
        "failed": 2,
    }
    assert [error["line"] for error in progress["errors"]] == [3, 5]
    assert "not-a-phone" in progress["errors"][0]["reason"]
    assert "email" in progress["errors"][1]["reason"]
    assert Guest.objects.get(phone="+79161234567").first_name == "Ivan-Merged"
    assert not ImportJob.objects.get(pk=job_id).file  # the uploaded personal data is not kept


def test_job_is_pending_until_the_transaction_commits(alpha):
    accepted = _upload(api_as(alpha, "owner"))
    assert accepted.json()["status"] == "pending"
    assert Guest.objects.count() == 0


def test_a_second_run_of_the_same_job_changes_nothing(alpha, django_capture_on_commit_callbacks):
    api = api_as(alpha, "admin")
    with django_capture_on_commit_callbacks(execute=True):
        job_id = _upload(api).json()["id"]
    again = run_import_job(job_id=job_id)
    assert (again.status, again.created, again.updated) == ("done", 2, 1)
    assert Guest.objects.count() == 2


def test_file_without_phone_column_fails_the_job_with_a_reason(alpha, django_capture_on_commit_callbacks):
    api = api_as(alpha, "admin")
    with django_capture_on_commit_callbacks(execute=True):
        job_id = _upload(api, "name\nIvan\n").json()["id"]
    job = api.get(f"/api/v1/guests/import/{job_id}").json()
    assert job["status"] == "failed"
    assert "phone" in job["failure"]


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_only_admin_and_owner_may_import(alpha, role):
    response = _upload(api_as(alpha, role))
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_upload_without_file_is_400(alpha):
    response = api_as(alpha, "admin").post("/api/v1/guests/import", {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]


def test_unknown_job_is_404(alpha):
    assert api_as(alpha, "admin").get("/api/v1/guests/import/999999").status_code == 404
