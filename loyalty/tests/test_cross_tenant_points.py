"""Chains are isolated: a guest or an entry of chain alpha is 404 on chain beta's host, and nothing changes."""

import pytest
from django_tenants.utils import schema_context

from guests.models import Guest
from loyalty.models import EntryKind, LedgerEntry
from loyalty.services import accrue_points
from loyalty.tests.factories import GuestFactory
from tests.fixtures import api_as


@pytest.fixture
def alpha_guest_with_entry(alpha, beta):
    guest = GuestFactory()
    entry = accrue_points(guest=guest, points=100, kind=EntryKind.WELCOME, idempotency_key="w")
    with schema_context(beta.chain.schema_name):
        assert not Guest.objects.filter(pk=guest.pk).exists()
        assert not LedgerEntry.objects.filter(pk=entry.pk).exists()
    return guest, entry


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/guests/{guest}/balance"),
        ("get", "/api/v1/guests/{guest}/transactions"),
        ("post", "/api/v1/guests/{guest}/accrue"),
        ("post", "/api/v1/guests/{guest}/redeem"),
        ("post", "/api/v1/guests/{guest}/adjust"),
        ("post", "/api/v1/transactions/{entry}/reverse"),
    ],
)
def test_alpha_guest_is_404_on_beta(alpha, beta, alpha_guest_with_entry, method, path):
    guest, entry = alpha_guest_with_entry
    client = api_as(beta, "owner")
    url = path.format(guest=guest.pk, entry=entry.pk)
    body = {"points": 10, "reason": "try"}
    response = getattr(client, method)(url, body, format="json", HTTP_IDEMPOTENCY_KEY="x")
    assert response.status_code == 404
    with schema_context(alpha.chain.schema_name):
        assert LedgerEntry.objects.filter(guest=guest).count() == 1


def test_alpha_token_is_refused_on_beta(alpha, beta, alpha_guest_with_entry):
    guest, _entry = alpha_guest_with_entry
    token_client = api_as(alpha, "owner")
    response = token_client.get(f"/api/v1/guests/{guest.pk}/balance", HTTP_HOST=beta.host)
    assert response.status_code == 401
