"""A process marks a changed day once per ANALYTICS_MARK_LOCAL_TTL, not once per ledger entry."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics import rollups
from maxloyalty.local_cache import clear_local_caches


@pytest.fixture(autouse=True)
def _nothing_kept_afterwards():
    clear_local_caches()
    yield
    clear_local_caches()


def test_a_day_marked_moments_ago_is_not_sent_to_redis_again(alpha, settings):
    settings.ANALYTICS_MARK_LOCAL_TTL = 60
    at = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
    rollups.mark_day_changed(at)
    assert rollups._take_dirty_utc_days() == {dt.date(2026, 11, 20)}
    rollups.mark_day_changed(at + dt.timedelta(hours=1))  # the same day again: skipped in this process
    rollups.mark_day_changed(at + dt.timedelta(days=1))  # another day: sent
    assert rollups._take_dirty_utc_days() == {dt.date(2026, 11, 21)}


def test_without_a_local_ttl_every_mark_is_sent(alpha, settings):
    settings.ANALYTICS_MARK_LOCAL_TTL = 0
    at = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
    rollups.mark_day_changed(at)
    rollups._take_dirty_utc_days()
    rollups.mark_day_changed(at)
    assert rollups._take_dirty_utc_days() == {dt.date(2026, 11, 20)}
