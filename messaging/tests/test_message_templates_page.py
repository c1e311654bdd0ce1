"""The Message templates page: owners and admins write a kind's wording per language and channel (audited), an
unknown variable is an error next to its field and nothing is saved, the preview fills a sample guest's values and
counts the SMS's parts, "reset to default" deletes the chain's wording; other roles are kept out."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from messaging.models import MessageTemplate
from tests.fixtures import signed_in_client

URL = "/messaging/templates/birthday/en/"
VALID = {
    "email_subject": "Cake for {{ first_name }}",
    "email_html": "<p>{{ bonus_points }}</p>",
    "email_text": "{{ bonus_points }} points",
    "sms_text": "Happy birthday {{ first_name }}",
    "telegram_text": "🎂 {{ bonus_points }}",
}


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_and_admin_save_a_template(alpha, role):
    response = signed_in_client(alpha, role).post(URL, VALID)

    assert response.status_code == 302
    with schema_context(alpha.chain.schema_name):
        row = MessageTemplate.objects.get(kind="birthday", language="en")
        assert (row.email_subject, row.telegram_text) == ("Cake for {{ first_name }}", "🎂 {{ bonus_points }}")
        entry = AuditEntry.objects.get(action="messaging.template_saved")
        assert entry.actor_id == alpha.user(role).pk and "email_subject" in entry.changes


def test_an_unknown_variable_is_shown_next_to_its_field_and_nothing_is_saved(alpha):
    response = signed_in_client(alpha, "owner").post(URL, {**VALID, "sms_text": "Hi {{ password }}"})

    assert response.status_code == 422
    assert b'data-field="sms_text">Unknown variables: password' in response.content
    with schema_context(alpha.chain.schema_name):
        assert not MessageTemplate.objects.exists()


def test_the_page_shows_the_default_and_the_kinds_variables(alpha):
    response = signed_in_client(alpha, "owner").get(URL)

    assert response.status_code == 200
    assert b"Happy birthday from" in response.content  # the default subject in the form
    assert b"bonus_points" in response.content and b"first_name" in response.content


def test_the_preview_fills_sample_values_and_counts_sms_parts(alpha):
    client = signed_in_client(alpha, "owner")

    response = client.post(
        f"{URL}preview/", {**VALID, "sms_text": "Привет, {{ first_name }}! " * 4}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Cake for Анна" in body
    assert "Привет, Анна!" in body
    assert "UCS-2, 56 characters, 1 part" in body


def test_reset_to_default_deletes_the_chains_wording(alpha):
    client = signed_in_client(alpha, "owner")
    client.post(URL, VALID)

    response = client.post(URL, {**VALID, "reset": "1"})

    assert response.status_code == 302
    with schema_context(alpha.chain.schema_name):
        assert not MessageTemplate.objects.exists()
        assert AuditEntry.objects.filter(action="messaging.template_reset").count() == 1


def test_an_unknown_kind_is_404(alpha):
    assert signed_in_client(alpha, "owner").get("/messaging/templates/promo/en/").status_code == 404


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_other_roles_cannot_open_or_change_templates(alpha, role):
    client = signed_in_client(alpha, role)

    page, change = client.get(URL), client.post(URL, VALID)
    preview = client.post(f"{URL}preview/", VALID)

    assert {page.status_code, change.status_code, preview.status_code} <= {302, 403}
    with schema_context(alpha.chain.schema_name):
        assert not MessageTemplate.objects.exists()


def test_another_chains_owner_cannot_change_this_chains_templates(alpha, beta):
    client = signed_in_client(beta, "owner")
    client.defaults["HTTP_HOST"] = alpha.host

    response = client.post(URL, VALID)

    assert response.status_code in (302, 403, 404)
    with schema_context(alpha.chain.schema_name):
        assert not MessageTemplate.objects.exists()


def test_the_list_marks_which_templates_the_chain_wrote(alpha):
    client = signed_in_client(alpha, "owner")
    client.post(URL, VALID)

    response = client.get("/messaging/templates/")

    assert response.status_code == 200
    assert response.content.count(b"Your own") == 1
    assert b'href="/messaging/templates/birthday/en/"' in response.content
