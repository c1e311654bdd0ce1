"""The automations page: owners and admins switch and tune each automation (audited, old → new); managers see it
without changing it; cashiers are refused; a refused or invalid change writes nothing; each chain's page shows and
changes only its own automations, both ways."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from automations.models import Automation
from automations.selectors import automations
from tests.fixtures import signed_in_client

WIN_BACK_POST = {
    "kind": "win_back",
    "win_back-is_enabled": "on",
    "win_back-days": "45",
    "win_back-win_back_mode": "rhythm",
    "win_back-rhythm_factor": "2.5",
    "win_back-rhythm_floor_days": "21",
    "win_back-channels": ["email", "sms"],
    "win_back-bonus_points": "150",
}


def _win_back(world) -> Automation:
    with schema_context(world.chain.schema_name):
        return automations()["win_back"]


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_switch_on_and_tune_an_automation(alpha, role):
    client = signed_in_client(alpha, role)

    page = client.get("/automations/")
    response = client.post("/automations/", WIN_BACK_POST)

    assert page.status_code == 200
    assert "Win-back: no visit for a while" in page.content.decode()
    assert response.status_code == 302
    row = _win_back(alpha)
    assert (row.is_enabled, row.days, row.win_back_mode, str(row.rhythm_factor)) == (True, 45, "rhythm", "2.50")
    assert (row.rhythm_floor_days, row.channels, row.bonus_points) == (21, ["email", "sms"], 150)
    with schema_context(alpha.chain.schema_name):
        entry = AuditEntry.objects.get(action="automations.automation_changed")
    assert entry.actor == alpha.user(role)
    assert entry.changes["is_enabled"] == [False, True]
    assert entry.changes["days"] == [60, 45]


def test_the_page_shows_the_messages_sent_and_links_each_template(auto):
    auto.turn_on("welcome")
    auto.guest()
    auto.run("welcome")

    html = signed_in_client(auto.alpha, "owner").get("/automations/").content.decode()

    assert "1 message sent in the last 30 days" in html
    assert "/messaging/templates/welcome/ru/" in html
    assert "/messaging/templates/win_back/ru/" in html
    assert "Post-visit feedback" in html


def test_managers_see_the_page_but_cannot_change_it(alpha):
    client = signed_in_client(alpha, "manager")

    page = client.get("/automations/")
    refused = client.post("/automations/", WIN_BACK_POST)

    assert page.status_code == 200
    assert 'name="win_back-days"' not in page.content.decode()
    assert refused.status_code == 403
    assert _win_back(alpha).is_enabled is False
    with schema_context(alpha.chain.schema_name):
        assert not AuditEntry.objects.filter(action="automations.automation_changed").exists()


def test_cashiers_are_refused(alpha):
    client = signed_in_client(alpha, "cashier")

    assert client.get("/automations/").status_code == 403
    assert client.post("/automations/", WIN_BACK_POST).status_code == 403
    assert _win_back(alpha).is_enabled is False


def test_an_invalid_change_is_shown_and_writes_nothing(alpha):
    client = signed_in_client(alpha, "owner")

    response = client.post("/automations/", {**WIN_BACK_POST, "win_back-days": "0", "win_back-channels": []})

    assert response.status_code == 422
    assert _win_back(alpha).days == 60
    with schema_context(alpha.chain.schema_name):
        assert not AuditEntry.objects.filter(action="automations.automation_changed").exists()


def test_each_chain_changes_only_its_own_automations(alpha, beta):
    for home, other in ((alpha, beta), (beta, alpha)):
        response = signed_in_client(home, "owner").post("/automations/", WIN_BACK_POST)

        assert response.status_code == 302
        assert _win_back(home).is_enabled is True
        assert _win_back(other).is_enabled is False
        with schema_context(home.chain.schema_name):
            Automation.objects.filter(kind="win_back").update(is_enabled=False)


def test_the_other_chains_owner_is_refused_on_this_chains_host(alpha, beta):
    client = signed_in_client(beta, "owner")
    client.defaults["HTTP_HOST"] = alpha.host

    response = client.post("/automations/", WIN_BACK_POST)

    assert response.status_code in (302, 403)
    assert _win_back(alpha).is_enabled is False
