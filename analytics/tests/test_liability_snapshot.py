"""The liability page and API show a stored snapshot (analytics.liability_snapshots), so they answer at once at any
size: the figures carry their time; a stale or missing snapshot is refreshed in the background, one refresh at a
time per chain; "Recalculate now" queues one; the snapshot reads back exactly what liability_summary computed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from analytics.liability import latest_liability, liability_summary
from analytics.liability_snapshots import REFRESH_LOCK, SNAPSHOTS_KEPT, refresh_is_running, refresh_liability_snapshot
from analytics.models import LiabilitySnapshot
from analytics.periods import chain_time_zone
from analytics.tests.liability_dataset import LiabilityData, build_liability_data
from loyalty.models import EntryKind
from loyalty.services.ledger import accrue_points
from tests.fixtures import api_as, signed_in_client


@pytest.fixture
def data(alpha) -> LiabilityData:
    return build_liability_data(alpha)


def _earn_more(alpha, data: LiabilityData, points: int) -> None:
    accrue_points(
        guest=data.a,
        points=points,
        kind=EntryKind.ACCRUAL,
        idempotency_key="snap-more",
        restaurant=alpha.restaurants[0],
    )


def test_the_snapshot_reads_back_what_the_summary_computed(alpha, data) -> None:
    snapshot = refresh_liability_snapshot()
    shown = latest_liability()
    assert shown is not None
    assert shown.computed_at == snapshot.computed_at
    assert shown.summary == liability_summary(chain_time_zone())  # dates and Decimals, not JSON strings
    assert isinstance(shown.summary["schedule"]["months"][0]["month"], dt.date)


def test_the_page_and_api_show_the_snapshot_and_its_time_until_recalculated(alpha, data) -> None:
    client = signed_in_client(alpha, "owner")
    page = client.get("/analytics/liability/").content.decode()
    assert 'data-testid="liability-total">120.00' in page
    assert "Figures as of" in page
    _earn_more(alpha, data, 40)
    assert api_as(alpha, "owner").get("/api/v1/analytics/liability").json()["outstanding"]["total_points"] == 240
    response = client.post("/analytics/liability/refresh/", follow=True)
    assert 'data-testid="liability-total">140.00' in response.content.decode()
    body = api_as(alpha, "owner").get("/api/v1/analytics/liability").json()
    assert body["outstanding"]["total_points"] == 280
    assert body["is_refreshing"] is False
    assert dt.datetime.fromisoformat(body["computed_at"]) <= timezone.now()


def test_a_stale_snapshot_is_refreshed_when_someone_looks(alpha, data, settings) -> None:
    refresh_liability_snapshot()
    _earn_more(alpha, data, 40)
    api = api_as(alpha, "owner")
    assert api.get("/api/v1/analytics/liability").json()["outstanding"]["total_points"] == 240
    LiabilitySnapshot.objects.update(computed_at=timezone.now() - dt.timedelta(seconds=61))
    settings.LIABILITY_SNAPSHOT_MAX_AGE_SECONDS = 60
    api.get("/api/v1/analytics/liability")  # shows the stale one, queues the refresh (eager here: done at once)
    assert api.get("/api/v1/analytics/liability").json()["outstanding"]["total_points"] == 280


def test_only_the_newest_snapshots_are_kept(alpha, data) -> None:
    for _n in range(SNAPSHOTS_KEPT + 2):
        newest = refresh_liability_snapshot()
    assert LiabilitySnapshot.objects.count() == SNAPSHOTS_KEPT
    assert LiabilitySnapshot.objects.order_by("-id").first() == newest


def test_before_the_first_snapshot_the_api_answers_202_and_queues_one_refresh_only(alpha, data, queued_not_run):
    api = api_as(alpha, "owner")
    first = api.get("/api/v1/analytics/liability")
    assert first.status_code == 202
    assert first.json() == {"status": "calculating", "retry_after_seconds": 30}
    assert first["Retry-After"] == "30"
    assert refresh_is_running()
    again = api.post("/api/v1/analytics/liability/refresh")
    assert (again.status_code, again.json()) == (202, {"queued": False})
    page = signed_in_client(alpha, "owner").get("/analytics/liability/").content.decode()
    assert 'data-testid="liability-calculating"' in page
    assert 'data-testid="liability-refreshing"' in page
    assert 'data-testid="liability-statement"' in page  # the statement reads the daily roll-ups: always shown
    assert not LiabilitySnapshot.objects.exists()


def test_the_refresh_frees_its_lock_so_the_next_one_can_be_queued(alpha, data) -> None:
    response = api_as(alpha, "owner").post("/api/v1/analytics/liability/refresh")
    assert (response.status_code, response.json()) == (202, {"queued": True})  # eager: ran and let go
    assert not refresh_is_running()
    assert LiabilitySnapshot.objects.count() == 1


def test_a_nightly_refresh_skips_while_a_requested_one_holds_the_lock_and_leaves_it_held(alpha, data, queued_not_run):
    assert api_as(alpha, "owner").post("/api/v1/analytics/liability/refresh").status_code == 202
    before = LiabilitySnapshot.objects.count()

    assert refresh_liability_snapshot() is None  # the beat's run, without the requested run's token

    assert LiabilitySnapshot.objects.count() == before
    assert refresh_is_running()  # the requested refresh still owns the lock


def test_a_refresh_frees_only_its_own_lock(alpha, data, queued_not_run):
    api = api_as(alpha, "owner")
    api.post("/api/v1/analytics/liability/refresh")
    cache.set(REFRESH_LOCK, "a-later-refresh")  # the first lock timed out and another refresh took it

    assert refresh_liability_snapshot(lock_token="the-timed-out-token") is not None

    assert cache.get(REFRESH_LOCK) == "a-later-refresh"
