"""A scheduled roll-up that finds nothing new leaves the roll-up rows as they were (their computed_at too), so the
cached figures keep their fingerprint and refreshing the default views computes nothing; a new
visit changes a row and the fingerprint."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics.figure_snapshots import refresh_default_views
from analytics.models import DailyRestaurantStats, GuestMonthActivity
from analytics.selectors import stats_fingerprint
from analytics.tasks import roll_up_daily_stats
from analytics.tests.dataset import add_guest, add_visit


def _today_far_ahead() -> dt.date:
    return timezone.now().date() + dt.timedelta(days=2)


def test_a_rollup_without_news_keeps_the_fingerprint_and_the_warmed_views(alpha) -> None:
    restaurant = alpha.restaurants[0]
    guest = add_guest(created_at=timezone.now(), home=restaurant)
    add_visit(guest, restaurant, timezone.now(), "1500.00")
    roll_up_daily_stats.apply()
    before = stats_fingerprint(_today_far_ahead())
    rows_before = set(DailyRestaurantStats.objects.values_list("id", "computed_at"))

    roll_up_daily_stats.apply()

    assert stats_fingerprint(_today_far_ahead()) == before
    assert set(DailyRestaurantStats.objects.values_list("id", "computed_at")) == rows_before
    with CaptureQueriesContext(connection) as queries:
        assert refresh_default_views() == 0
    assert not any(GuestMonthActivity._meta.db_table in query["sql"] for query in queries.captured_queries)


def test_a_new_visit_changes_the_fingerprint(alpha) -> None:
    restaurant = alpha.restaurants[0]
    guest = add_guest(created_at=timezone.now(), home=restaurant)
    add_visit(guest, restaurant, timezone.now(), "1500.00")
    roll_up_daily_stats.apply()
    before = stats_fingerprint(_today_far_ahead())

    add_visit(guest, restaurant, timezone.now(), "700.00")
    roll_up_daily_stats.apply()

    assert stats_fingerprint(_today_far_ahead()) != before
    assert DailyRestaurantStats.objects.get(restaurant=restaurant, visits__gt=0).visits == 2
