"""A guest of one chain does not exist on another chain's host, whatever the role."""

import pytest
from django_tenants.utils import schema_context

from guests.models import Guest
from guests.tests.factories import GuestFactory
from tests.fixtures import api_as


@pytest.mark.parametrize("path", ["/api/v1/guests/{id}", "/api/v1/guests/{id}/visits"])
def test_alpha_guest_id_is_404_on_beta_host(alpha, worlds, path):
    guest = GuestFactory(phone="+79161234567")
    response = api_as(worlds["beta"], "owner").get(path.format(id=guest.id))
    assert response.status_code == 404


def test_alpha_guest_cannot_be_changed_or_erased_from_beta(alpha, worlds):
    guest = GuestFactory(phone="+79161234567", first_name="Alpha")
    api = api_as(worlds["beta"], "owner")
    assert api.patch(f"/api/v1/guests/{guest.id}", {"first_name": "Hacked"}, format="json").status_code == 404
    assert api.delete(f"/api/v1/guests/{guest.id}").status_code == 404
    assert api.get("/api/v1/guests/lookup", {"phone": "+79161234567"}).status_code == 404
    with schema_context(alpha.chain.schema_name):
        guest.refresh_from_db()
        assert (guest.first_name, guest.status) == ("Alpha", "active")
        assert Guest.objects.count() == 1


def test_alpha_token_is_refused_on_beta_host(alpha, worlds):
    guest = GuestFactory()
    api = api_as(alpha, "owner")
    response = api.get(f"/api/v1/guests/{guest.id}", HTTP_HOST=worlds["beta"].host)
    assert response.status_code == 401
