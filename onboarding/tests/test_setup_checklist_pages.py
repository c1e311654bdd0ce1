"""Who sees the setup checklist: owners, admins and managers on the dashboard and its page, never cashiers; only
owners and admins dismiss it (audited), after which it is gone from the dashboard and its page."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from tests.fixtures import signed_in_client


@pytest.mark.parametrize(("role", "shown"), [("owner", True), ("admin", True), ("manager", True)])
def test_the_dashboard_shows_the_checklist_to_those_who_run_the_chain(alpha, role, shown):
    page = signed_in_client(alpha, role).get("/dashboard/").content.decode()
    assert ('data-testid="setup-checklist"' in page) is shown


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 200), ("manager", 200), ("cashier", 403)])
def test_the_checklist_page_by_role(alpha, role, status):
    assert signed_in_client(alpha, role).get("/setup/").status_code == status


def test_a_step_links_only_for_those_who_may_do_it(alpha):
    owner_page = signed_in_client(alpha, "owner").get("/setup/").content.decode()
    manager_page = signed_in_client(alpha, "manager").get("/setup/").content.decode()
    assert 'data-testid="setup-action-plan"' in owner_page
    assert 'data-testid="setup-action-plan"' not in manager_page
    assert 'data-testid="setup-dismiss"' in owner_page
    assert 'data-testid="setup-dismiss"' not in manager_page


@pytest.mark.parametrize(("role", "status"), [("manager", 403), ("cashier", 403)])
def test_only_owners_and_admins_dismiss_it(alpha, role, status):
    assert signed_in_client(alpha, role).post("/setup/dismiss/").status_code == status
    assert not AuditEntry.objects.filter(action="onboarding.checklist_dismissed").exists()


def test_dismissed_it_leaves_the_dashboard_and_its_page_for_everyone(alpha):
    response = signed_in_client(alpha, "admin").post("/setup/dismiss/")
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="onboarding.checklist_dismissed")
    assert entry.actor == alpha.user("admin")
    owner = signed_in_client(alpha, "owner")
    assert 'data-testid="setup-checklist"' not in owner.get("/dashboard/").content.decode()
    assert owner.get("/setup/").status_code == 302
