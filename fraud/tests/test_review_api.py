"""The fraud API: GET /api/v1/fraud/flags (filters, paginated), POST …/{id}/dismiss and …/{id}/freeze; owners and
admins only; each chain reaches only its own flags, both ways."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from fraud.models import FlagStatus, FraudFlag, FraudRule
from loyalty.models import PointsAccount
from tests.checks import register_guest, send_checks
from tests.fixtures import ChainWorld, api_as

from .conftest import checks_within_an_hour


def _flag_in(world: ChainWorld) -> int:
    with schema_context(world.chain.schema_name):
        guest = register_guest(first_name=f"Guest of {world.chain.slug}")
        send_checks(world, checks_within_an_hour(world, guest, 5))
        return FraudFlag.objects.get(rule=FraudRule.VELOCITY, guest=guest).pk


def test_the_list_shows_flags_with_their_evidence(alpha, velocity_flag):
    body = api_as(alpha, "admin").get("/api/v1/fraud/flags?status=open&rule=velocity").json()
    [row] = body["results"]
    assert row["id"] == velocity_flag.pk
    assert row["guest_id"] == velocity_flag.guest_id
    assert row["evidence"]["count"] == 5


def test_an_unknown_filter_is_a_400_in_the_uniform_format(alpha):
    response = api_as(alpha, "owner").get("/api/v1/fraud/flags?rule=nonsense")
    assert response.status_code == 400
    assert "rule" in response.json()["error"]["fields"]


def test_dismiss_through_the_api(alpha, velocity_flag):
    response = api_as(alpha, "owner").post(
        f"/api/v1/fraud/flags/{velocity_flag.pk}/dismiss", {"note": "known regular"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == FlagStatus.DISMISSED
    assert response.json()["review_note"] == "known regular"


def test_freeze_through_the_api_holds_the_guests_points(alpha, velocity_flag):
    response = api_as(alpha, "owner").post(f"/api/v1/fraud/flags/{velocity_flag.pk}/freeze", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == FlagStatus.ACTIONED
    with schema_context(alpha.chain.schema_name):
        assert PointsAccount.objects.get(guest_id=velocity_flag.guest_id).frozen_at is not None


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_managers_and_cashiers_get_403_and_nothing_changes(alpha, velocity_flag, role):
    client = api_as(alpha, role)
    assert client.get("/api/v1/fraud/flags").status_code == 403
    assert client.post(f"/api/v1/fraud/flags/{velocity_flag.pk}/freeze", {}, format="json").status_code == 403
    assert client.post(f"/api/v1/fraud/flags/{velocity_flag.pk}/dismiss", {}, format="json").status_code == 403
    with schema_context(alpha.chain.schema_name):
        assert FraudFlag.objects.get(pk=velocity_flag.pk).status == FlagStatus.OPEN
        assert PointsAccount.objects.get(guest_id=velocity_flag.guest_id).frozen_at is None


def _ids_in(world: ChainWorld) -> set[int]:
    with schema_context(world.chain.schema_name):
        return set(FraudFlag.objects.values_list("id", flat=True))


def test_each_chain_reaches_only_its_own_flags_both_ways(alpha, beta):
    for home, other in ((alpha, beta), (beta, alpha)):
        _flag_in(other)
        other_ids = _ids_in(other)
        home_flag = _flag_in(home)
        while home_flag in other_ids:  # ids are per schema: take one the other chain has no flag under
            home_flag = _flag_in(home)
        client = api_as(other, "owner")
        listed = {row["id"] for row in client.get("/api/v1/fraud/flags?page_size=500").json()["results"]}
        assert listed == other_ids
        response = client.post(f"/api/v1/fraud/flags/{home_flag}/freeze", {}, format="json")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "flag_not_found"
        assert client.post(f"/api/v1/fraud/flags/{home_flag}/dismiss", {}, format="json").status_code == 404
        with schema_context(home.chain.schema_name):
            assert FraudFlag.objects.get(pk=home_flag).status == FlagStatus.OPEN
