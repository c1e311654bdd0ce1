"""The duplicates and merge API: owners and admins list pairs, merge and undo; managers and cashiers are refused;
a chain's guests and merges do not exist on another chain's host (both directions); errors are the uniform JSON."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from guests.models import Guest, GuestStatus
from guests.tests.factories import GuestFactory
from tests.fixtures import api_as


def _pair(email: str = "twin@mail.ru") -> tuple[Guest, Guest]:
    return GuestFactory(email=email), GuestFactory(email=email.upper())


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_and_admin_list_merge_and_undo(alpha, role):
    survivor, other = _pair()
    api = api_as(alpha, role)
    listed = api.get("/api/v1/guests/duplicates").json()["results"]
    assert [(row["first"]["id"], row["second"]["id"], row["reasons"]) for row in listed] == [
        (survivor.pk, other.pk, ["email"])
    ]
    merged = api.post(f"/api/v1/guests/{survivor.pk}/merge", {"other_id": other.pk}, format="json")
    assert merged.status_code == 201
    assert api.get(f"/api/v1/guests/{other.pk}").json()["error"] == {
        "code": "guest_merged",
        "message": "This guest was merged into another profile",
        "fields": {},
        "guest_id": other.pk,
        "merged_into": survivor.pk,
    }
    undone = api.post(f"/api/v1/guest-merges/{merged.json()['id']}/undo")
    assert undone.status_code == 200
    assert undone.json()["undone_at"] is not None
    assert api.get(f"/api/v1/guests/{other.pk}").status_code == 200


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_manager_and_cashier_are_refused(alpha, role):
    survivor, other = _pair()
    api = api_as(alpha, role)
    assert api.get("/api/v1/guests/duplicates").status_code == 403
    response = api.post(f"/api/v1/guests/{survivor.pk}/merge", {"other_id": other.pk}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert Guest.objects.get(pk=other.pk).status == GuestStatus.ACTIVE


def test_merging_with_itself_or_twice_is_a_conflict(alpha):
    survivor, other = _pair()
    api = api_as(alpha, "owner")
    assert api.post(f"/api/v1/guests/{survivor.pk}/merge", {"other_id": survivor.pk}, format="json").status_code == 409
    assert api.post(f"/api/v1/guests/{survivor.pk}/merge", {"other_id": "x"}, format="json").status_code == 400
    merged = api.post(f"/api/v1/guests/{survivor.pk}/merge", {"other_id": other.pk}, format="json").json()
    undo = f"/api/v1/guest-merges/{merged['id']}/undo"
    assert api.post(undo).status_code == 200
    refused = api.post(undo)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "merge_undo_refused"


def test_alpha_guests_and_merges_do_not_exist_on_beta(alpha, worlds):
    survivor, other = _pair()
    merge = api_as(alpha, "owner").post(f"/api/v1/guests/{survivor.pk}/merge", {"other_id": other.pk}, format="json")
    beta = api_as(worlds["beta"], "owner")
    assert beta.get("/api/v1/guests/duplicates").json()["results"] == []
    assert beta.post(f"/api/v1/guest-merges/{merge.json()['id']}/undo").status_code == 404
    with schema_context(alpha.chain.schema_name):  # a request leaves the connection on its chain's schema
        third, fourth = _pair("other@mail.ru")
    # Ids are per schema (beta may have guests numbered alike): whatever beta answers, alpha's rows are untouched.
    beta.post(f"/api/v1/guests/{third.pk}/merge", {"other_id": fourth.pk}, format="json")
    with schema_context(alpha.chain.schema_name):
        assert Guest.objects.get(pk=fourth.pk).status == GuestStatus.ACTIVE
        assert Guest.objects.get(pk=other.pk).status == GuestStatus.MERGED  # the undo on beta changed nothing


def test_beta_guests_do_not_exist_on_alpha(alpha, worlds):
    with schema_context(worlds["beta"].chain.schema_name):
        first, second = _pair("beta@mail.ru")
    api = api_as(alpha, "owner")
    assert api.get("/api/v1/guests/duplicates").json()["results"] == []
    api.post(f"/api/v1/guests/{first.pk}/merge", {"other_id": second.pk}, format="json")
    with schema_context(worlds["beta"].chain.schema_name):
        assert Guest.objects.get(pk=second.pk).status == GuestStatus.ACTIVE
