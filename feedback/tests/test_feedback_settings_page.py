"""Settings → Post-visit feedback: owners and admins switch it on and tune it (audited, old → new); managers and
cashiers are refused; a value out of range is refused and saves nothing; another chain's settings are untouched."""

from __future__ import annotations

from django_tenants.utils import schema_context

from accounts.models import Role
from audit.models import AuditEntry
from feedback.models import AlertRecipients
from feedback.selectors import feedback_settings
from tests.fixtures import signed_in_client

URL = "/feedback/settings/"
FORM = {
    "is_enabled": "on",
    "delay_minutes": "90",
    "low_score_threshold": "2",
    "repeat_gap_days": "30",
    "alert_recipients": AlertRecipients.MANAGERS_AND_ADMINS,
    "alert_email": "",
}


def test_the_owner_switches_feedback_on_and_it_is_audited(alpha, beta):
    response = signed_in_client(alpha, Role.OWNER).post(URL, FORM)

    assert response.status_code == 302
    row = feedback_settings()
    assert (row.is_enabled, row.delay_minutes, row.low_score_threshold, row.repeat_gap_days) == (True, 90, 2, 30)
    entry = AuditEntry.objects.get(action="feedback.settings_changed")
    assert entry.actor == alpha.user(Role.OWNER)
    assert entry.changes["delay_minutes"] == [120, 90]
    with schema_context(beta.chain.schema_name):
        assert feedback_settings().is_enabled is False


def test_an_admin_sees_the_page(alpha):
    response = signed_in_client(alpha, Role.ADMIN).get(URL)

    assert response.status_code == 200
    assert "Ask guests to rate their visit" in response.content.decode()


def test_managers_and_cashiers_are_refused_and_nothing_changes(alpha):
    for role in (Role.MANAGER, Role.CASHIER):
        assert signed_in_client(alpha, role).post(URL, FORM).status_code == 403

    assert feedback_settings().is_enabled is False
    assert not AuditEntry.objects.filter(action="feedback.settings_changed").exists()


def test_a_threshold_out_of_range_is_refused_and_saves_nothing(alpha):
    response = signed_in_client(alpha, Role.OWNER).post(URL, FORM | {"low_score_threshold": "5"})

    assert response.status_code == 422
    assert feedback_settings().is_enabled is False
    assert not AuditEntry.objects.filter(action="feedback.settings_changed").exists()


def test_an_owner_of_one_chain_changes_nothing_in_the_other_either_way(alpha, beta):
    with schema_context(beta.chain.schema_name):
        beta_owner = signed_in_client(beta, Role.OWNER)
    alpha_owner = signed_in_client(alpha, Role.OWNER)
    beta_owner.defaults["HTTP_HOST"], alpha_owner.defaults["HTTP_HOST"] = alpha.host, beta.host

    refused = [beta_owner.post(URL, FORM), alpha_owner.post(URL, FORM)]

    assert all(response.status_code in (302, 403, 404) for response in refused)
    assert feedback_settings().is_enabled is False
    with schema_context(beta.chain.schema_name):
        assert feedback_settings().is_enabled is False
