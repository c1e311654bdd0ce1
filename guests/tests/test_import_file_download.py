"""An import's uploaded file is kept under the chain's prefix and downloaded through the rights-checked door while it
is kept: by who may see the job, never by another chain or a role without the import right."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from guests.models import ImportJob
from guests.services import run_import_job, start_import_job
from tests.fixtures import client_on, signed_in_client
from tests.object_storage import downloaded

CSV = "phone,first_name\n+79161234567,Иван\n".encode()


@pytest.fixture
def job(alpha, access_of, chain_storage):
    return start_import_job(
        access=access_of("admin"), upload=SimpleUploadedFile("май.csv", CSV, content_type="text/csv")
    )


def _file_url(job):
    return f"/guests/import/{job.pk}/file"


def test_upload_lands_under_the_chains_prefix(alpha, job, chain_storage):
    assert chain_storage.stored_names() == [job.file.name]
    assert job.file.name.startswith(f"chains/{alpha.chain.schema_name}/guest-imports/")


def test_admin_downloads_the_uploaded_file_under_its_own_name(alpha, job):
    response = signed_in_client(alpha, "admin").get(_file_url(job))
    assert downloaded(response) == CSV
    assert response.status_code in (200, 302)


def test_progress_page_links_the_file_while_it_is_kept(alpha, job):
    page = signed_in_client(alpha, "owner").get(f"/guests/import/{job.pk}/")
    assert _file_url(job) in page.content.decode()


def test_another_chains_owner_gets_not_found_on_their_host_and_nothing_on_ours(alpha, beta, job):
    on_beta = client_on(beta.host)
    on_beta.force_login(beta.user("owner"), backend="django.contrib.auth.backends.ModelBackend")
    assert on_beta.get(_file_url(job)).status_code == 404
    on_alpha = client_on(alpha.host)
    on_alpha.force_login(beta.user("owner"), backend="django.contrib.auth.backends.ModelBackend")
    refused = on_alpha.get(_file_url(job))  # not a member of this chain: sent to sign in, no file
    assert (refused.status_code, refused["Location"].split("?")[0]) == (302, "/accounts/login/")


def test_a_row_of_another_chain_naming_this_chains_file_is_not_found(alpha, beta, job):
    with schema_context(beta.chain.schema_name):
        forged = ImportJob.objects.create(file=job.file.name, file_name="forged.csv")
        on_beta = client_on(beta.host)
        on_beta.force_login(beta.user("owner"), backend="django.contrib.auth.backends.ModelBackend")
        assert on_beta.get(_file_url(forged)).status_code == 404


def test_a_role_without_the_import_right_is_refused(alpha, job):
    assert signed_in_client(alpha, "manager").get(_file_url(job)).status_code == 403
    assert signed_in_client(alpha, "cashier").get(_file_url(job)).status_code == 403


def test_a_stored_name_outside_the_chains_prefix_is_not_found(alpha, beta, job):
    ImportJob.objects.filter(pk=job.pk).update(
        file=job.file.name.replace(alpha.chain.schema_name, beta.chain.schema_name, 1)
    )
    assert signed_in_client(alpha, "admin").get(_file_url(job)).status_code == 404


def test_once_imported_the_file_is_gone_and_so_is_the_link(alpha, job, chain_storage):
    run_import_job(job_id=job.pk)
    assert chain_storage.stored_names() == []
    assert signed_in_client(alpha, "admin").get(_file_url(job)).status_code == 404
