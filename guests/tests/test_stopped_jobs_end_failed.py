"""A guest import or a large guest export that stops on an unexpected error ends "failed" with a readable reason,
never "running" for ever; the error still reaches the task (its log and metrics)."""

import contextlib
import os

import pytest
from botocore.exceptions import ClientError
from django.core.files.uploadedfile import SimpleUploadedFile

from guests.models import GuestExport, ImportJob
from guests.services import run_import_job
from guests.tests.factories import GuestFactory
from tests.fixtures import api_as, signed_in_client


def test_import_whose_upload_vanished_from_storage_ends_failed(alpha, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    accepted = api_as(alpha, "owner").post(
        "/api/v1/guests/import",
        {"file": SimpleUploadedFile("guests.csv", b"phone\n+79161234567\n", content_type="text/csv")},
        format="multipart",
    )
    assert accepted.status_code == 202, accepted.content
    job = ImportJob.objects.get(pk=accepted.json()["id"])
    os.remove(job.file.path)  # the storage lost the upload before the worker ran
    with pytest.raises(FileNotFoundError):
        run_import_job(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert "unexpected error" in job.failure
    assert job.finished_at is not None
    progress = api_as(alpha, "owner").get(f"/api/v1/guests/import/{job.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert progress["status"] == "failed"


def test_export_refused_by_the_storage_ends_failed(alpha, settings, chain_storage, django_capture_on_commit_callbacks):
    settings.GUEST_EXPORT_STREAM_LIMIT = 1
    GuestFactory(phone="+79161234567", home_restaurant=alpha.restaurants[0])
    GuestFactory(phone="+79035550011", home_restaurant=alpha.restaurants[0])
    chain_storage.break_storage()
    client = signed_in_client(alpha, "owner")
    with contextlib.suppress(OSError, ClientError), django_capture_on_commit_callbacks(execute=True):
        client.get("/guests/export.csv")  # the task's error reaches the caller only when tasks run eagerly
    export = GuestExport.objects.get(created_by=alpha.user("owner"))
    assert export.status == "failed"
    assert "unexpected error" in export.failure
    page = client.get(f"/guests/exports/{export.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "unexpected error" in page
