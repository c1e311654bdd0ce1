"""20 identical requests at once with one idempotency key write one ledger entry (services and HTTP)."""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from django_tenants.utils import schema_context

from loyalty.models import EntryKind, LedgerEntry
from loyalty.services import accrue_points
from loyalty.tests.connections import in_own_connection
from loyalty.tests.ledger_checks import assert_balance_matches_ledger, balance_of
from tests.fixtures import api_on, api_token

THREADS = 20


def test_twenty_concurrent_identical_accruals_write_one_entry(committed_guest):
    world, guest = committed_guest
    schema = world.chain.schema_name
    start = threading.Barrier(THREADS)

    def accrue(_number: int) -> int:
        try:
            start.wait()
            with schema_context(schema):
                entry = accrue_points(guest=guest, points=25, kind=EntryKind.ACCRUAL, idempotency_key="one-key")
            return entry.pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        entry_ids = set(pool.map(accrue, range(THREADS)))

    assert len(entry_ids) == 1
    assert LedgerEntry.objects.filter(guest=guest).count() == 1
    assert balance_of(guest) == (25, 0)


def test_twenty_concurrent_identical_http_redemptions_write_one_entry(committed_guest):
    world, guest = committed_guest
    schema = world.chain.schema_name
    in_own_connection(
        schema,
        lambda: accrue_points(guest=guest, points=100, kind=EntryKind.WELCOME, idempotency_key=f"seed:{guest.pk}"),
    )
    token = in_own_connection("public", lambda: api_token(world, "cashier"))
    start = threading.Barrier(THREADS)

    def redeem(_number: int) -> int:
        client = api_on(world.host)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            start.wait()
            response = client.post(
                f"/api/v1/guests/{guest.pk}/redeem",
                {"points": 30, "restaurant_id": world.restaurants[0].pk},
                format="json",
                HTTP_IDEMPOTENCY_KEY="till-7-op-1",
            )
            return response.status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        statuses = list(pool.map(redeem, range(THREADS)))

    assert sorted(set(statuses)) == [200, 201]
    assert statuses.count(201) == 1
    assert LedgerEntry.objects.filter(guest=guest, kind=EntryKind.REDEMPTION).count() == 1
    assert balance_of(guest) == (70, 0)
    assert_balance_matches_ledger(guest)
