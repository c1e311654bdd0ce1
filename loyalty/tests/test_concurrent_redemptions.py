"""50 redemptions at once (threads, separate PostgreSQL connections) on a balance that covers 10 of them."""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from django_tenants.utils import schema_context

from loyalty.errors import InsufficientPoints
from loyalty.models import EntryKind, LedgerEntry
from loyalty.services import accrue_points, redeem_points
from loyalty.tests.connections import in_own_connection
from loyalty.tests.ledger_checks import assert_balance_matches_ledger, balance_of

THREADS = 50


def test_fifty_concurrent_redemptions_exactly_ten_succeed_and_balance_ends_at_zero(committed_guest):
    world, guest = committed_guest
    schema = world.chain.schema_name
    in_own_connection(
        schema,
        lambda: accrue_points(guest=guest, points=100, kind=EntryKind.WELCOME, idempotency_key=f"seed:{guest.pk}"),
    )
    start = threading.Barrier(THREADS)

    def redeem(number: int) -> str:
        try:
            start.wait()
            with schema_context(schema):
                redeem_points(guest=guest, points=10, idempotency_key=f"redeem:{guest.pk}:{number}")
            return "redeemed"
        except InsufficientPoints as refusal:
            assert refusal.status == 409
            return "insufficient"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(redeem, range(THREADS)))

    assert results.count("redeemed") == 10
    assert results.count("insufficient") == 40
    assert balance_of(guest) == (0, 0)
    assert LedgerEntry.objects.filter(guest=guest, kind=EntryKind.REDEMPTION).count() == 10
    assert_balance_matches_ledger(guest)
