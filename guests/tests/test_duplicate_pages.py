"""The duplicates pages: owners and admins see the pairs, compare two guests, merge and undo; the merged guest's old
link leads to the survivor; managers and cashiers are refused; another chain's owner sees none of it."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from guests.models import Guest, GuestMerge, GuestStatus
from guests.tests.factories import GuestFactory
from tests.fixtures import signed_in_client


@pytest.fixture
def pair(alpha):
    return GuestFactory(first_name="Anna", email="anna@mail.ru"), GuestFactory(first_name="Anya", email="ANNA@mail.ru")


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_merge_and_undo_through_the_pages(alpha, pair, role):
    first, second = pair
    client = signed_in_client(alpha, role)
    listing = client.get("/guests/duplicates/").content.decode()
    assert f'data-testid="pair-{first.pk}-{second.pk}"' in listing
    assert "same email" in listing
    compare = client.get(f"/guests/merge/{first.pk}/{second.pk}/")
    assert compare.status_code == 200
    assert "Anya" in compare.content.decode()
    merged = client.post(f"/guests/merge/{first.pk}/{second.pk}/", {"keep": second.pk})
    assert merged.status_code == 302
    assert merged["Location"] == f"/guests/{second.pk}/"
    assert Guest.objects.get(pk=first.pk).status == GuestStatus.MERGED
    assert client.get(f"/guests/{first.pk}/")["Location"] == f"/guests/{second.pk}/"
    merge = GuestMerge.objects.get(merged=first)
    assert f'data-testid="undo-{merge.pk}"' in client.get("/guests/duplicates/").content.decode()
    client.post(f"/guests/merges/{merge.pk}/undo/")
    assert Guest.objects.get(pk=first.pk).status == GuestStatus.ACTIVE


def test_a_refused_undo_shows_its_reason(alpha, pair):
    first, second = pair
    client = signed_in_client(alpha, "owner")
    client.post(f"/guests/merge/{first.pk}/{second.pk}/", {"keep": first.pk})
    merge = GuestMerge.objects.get(merged=second)
    client.post(f"/guests/merges/{merge.pk}/undo/")
    page = client.post(f"/guests/merges/{merge.pk}/undo/", follow=True).content.decode()
    assert "This merge was undone already." in page


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_manager_and_cashier_are_refused(alpha, pair, role):
    first, second = pair
    client = signed_in_client(alpha, role)
    assert client.get("/guests/duplicates/").status_code == 403
    assert client.post(f"/guests/merge/{first.pk}/{second.pk}/", {"keep": first.pk}).status_code == 403
    assert Guest.objects.get(pk=second.pk).status == GuestStatus.ACTIVE


def test_another_chains_owner_sees_no_pair(alpha, worlds, pair):
    first, second = pair
    page = signed_in_client(worlds["beta"], "owner").get("/guests/duplicates/").content.decode()
    assert f"pair-{first.pk}-{second.pk}" not in page
    with schema_context(alpha.chain.schema_name):
        assert Guest.objects.get(pk=second.pk).status == GuestStatus.ACTIVE
