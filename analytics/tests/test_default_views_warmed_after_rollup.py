"""A scheduled roll-up that changes a figure changes the fingerprint of the cached figures, so it computes the
default views afresh (analytics.figure_snapshots.refresh_default_views): the owner's first look at the
analytics page afterwards, and a restaurant's, read the cache instead of the guest × month roll-ups."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics.models import GuestMonthActivity
from analytics.tasks import roll_up_daily_stats
from analytics.tests.dataset import add_guest, add_visit
from tests.fixtures import signed_in_client

ACTIVITY = GuestMonthActivity._meta.db_table


def _reads_of_activity(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return sum(ACTIVITY in query["sql"] for query in queries.captured_queries)


def test_after_the_scheduled_rollup_the_default_views_come_from_the_cache(alpha) -> None:
    restaurant = alpha.restaurants[0]
    guest = add_guest(created_at=timezone.now(), home=restaurant)
    add_visit(guest, restaurant, timezone.now(), "1500.00")
    roll_up_daily_stats.apply()
    owner = signed_in_client(alpha, "owner")
    assert _reads_of_activity(owner, "/analytics/") == 0
    assert _reads_of_activity(owner, f"/analytics/?restaurant={restaurant.id}") == 0
    # A period nobody asked for before is computed on request (the figures are read from the roll-ups).
    assert _reads_of_activity(owner, "/analytics/?start=2026-01-01&end=2026-01-31") > 0
