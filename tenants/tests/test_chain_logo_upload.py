"""Owners and admins upload the chain's logo on the settings page: only PNG, JPEG or WebP (recognised by their bytes,
never SVG), within the size limit; the change is audited and the replaced file deleted."""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEntry
from tenants.models import Chain
from tenants.validators import LOGO_MAX_BYTES
from tests.fixtures import client_on, signed_in_client

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def _upload(client, content, name="logo.png", content_type="image/png"):
    return client.post("/settings/logo/", {"logo": SimpleUploadedFile(name, content, content_type=content_type)})


def _logo():
    return Chain.objects.get(pk=Chain.objects.get(slug="alpha").pk).logo


def test_owner_uploads_a_png_and_it_lands_under_the_chains_prefix(alpha, chain_storage):
    response = _upload(signed_in_client(alpha, "owner"), PNG)
    assert response.status_code == 302
    stored = _logo()
    assert stored.startswith(f"chains/{alpha.chain.schema_name}/logo/")
    assert stored.endswith(".png")
    assert chain_storage.stored_names() == [stored]


def test_webp_is_accepted_and_named_for_what_it_is(alpha, chain_storage):
    assert _upload(signed_in_client(alpha, "admin"), WEBP, name="logo.png").status_code == 302
    assert _logo().endswith(".webp")


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (SVG, "logo.svg", "image/svg+xml"),
        (SVG, "logo.png", "image/png"),  # an SVG dressed as a PNG
        (b"GIF89a\x01\x00\x01\x00", "logo.gif", "image/gif"),
        (b"just text", "logo.jpg", "image/jpeg"),
    ],
)
def test_anything_but_png_jpeg_or_webp_is_refused(alpha, chain_storage, content, name, content_type):
    response = _upload(signed_in_client(alpha, "owner"), content, name=name, content_type=content_type)
    assert response.status_code == 422
    assert "PNG, JPEG or WebP" in " ".join(response.context["logo_form"].errors["logo"])
    assert _logo() == ""
    assert chain_storage.stored_names() == []


def test_a_logo_over_the_size_limit_is_refused(alpha, chain_storage):
    response = _upload(signed_in_client(alpha, "owner"), PNG + b"\0" * LOGO_MAX_BYTES)
    assert response.status_code == 422
    assert "at most 512 KB" in " ".join(response.context["logo_form"].errors["logo"])
    assert _logo() == ""


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_managers_and_cashiers_cannot_change_the_logo(alpha, chain_storage, role):
    assert _upload(signed_in_client(alpha, role), PNG).status_code == 403
    assert signed_in_client(alpha, role).post("/settings/logo/remove/").status_code == 403
    assert _logo() == ""


def test_replacing_the_logo_is_audited_and_deletes_the_old_file(
    alpha, chain_storage, django_capture_on_commit_callbacks
):
    client = signed_in_client(alpha, "owner")
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, PNG)
    first = _logo()
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, WEBP, name="new.webp", content_type="image/webp")
    second = _logo()
    assert chain_storage.stored_names() == [second]
    entries = AuditEntry.objects.filter(action="chain.logo_changed").order_by("pk")
    assert [entry.changes for entry in entries] == [{"logo": ["", first]}, {"logo": [first, second]}]
    assert entries.last().actor == alpha.user("owner")


def test_removing_the_logo_is_audited_and_deletes_the_file(alpha, chain_storage, django_capture_on_commit_callbacks):
    client = signed_in_client(alpha, "admin")
    _upload(client, PNG)
    stored = _logo()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/settings/logo/remove/").status_code == 302
    assert _logo() == ""
    assert chain_storage.stored_names() == []
    assert AuditEntry.objects.filter(action="chain.logo_changed").order_by("pk").last().changes == {
        "logo": [stored, ""]
    }


def test_the_refusal_reads_in_russian_by_default(alpha, chain_storage):
    client = client_on(alpha.host, language=None)
    client.force_login(alpha.user("owner"), backend="django.contrib.auth.backends.ModelBackend")
    response = _upload(client, SVG, name="logo.svg", content_type="image/svg+xml")
    assert "Логотип должен быть изображением PNG, JPEG или WebP." in response.content.decode()
