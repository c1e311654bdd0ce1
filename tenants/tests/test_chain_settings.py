"""Owners and admins change the chain's profile; the host routing sees the change at once."""

import pytest

from tenants.models import Chain
from tests.fixtures import signed_in_client

PROFILE = {"name": "Alpha Group", "time_zone": "Asia/Novosibirsk", "default_language": "en", "currency": "RUB"}


def test_admin_changes_profile_and_pages_use_the_new_time_zone(alpha):
    client = signed_in_client(alpha, "admin")
    assert client.post("/settings/", PROFILE).status_code == 302
    chain = Chain.objects.get(pk=alpha.chain.pk)
    assert (chain.name, chain.time_zone, chain.default_language) == ("Alpha Group", "Asia/Novosibirsk", "en")
    assert client.get("/dashboard/").context["TIME_ZONE"] == "Asia/Novosibirsk"


def test_invalid_time_zone_is_a_field_error_and_nothing_changes(alpha):
    response = signed_in_client(alpha, "owner").post("/settings/", {**PROFILE, "time_zone": "Mars/Olympus"})
    assert response.status_code == 422
    assert response.context["form"].errors["time_zone"]
    assert Chain.objects.get(pk=alpha.chain.pk).time_zone == alpha.chain.time_zone


@pytest.mark.parametrize(("role", "status"), [("manager", 403), ("cashier", 403)])
def test_settings_are_closed_to_managers_and_cashiers(alpha, role, status):
    assert signed_in_client(alpha, role).post("/settings/", PROFILE).status_code == status
    assert Chain.objects.get(pk=alpha.chain.pk).name == "Alpha"
