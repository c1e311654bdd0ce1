"""The dashboard's and the analytics page's figures are stored with the roll-ups' fingerprint they were computed
from (analytics.figure_snapshots): a cold cache reads them back without recomputing; after new checks a page shows
the last figures (with their time once a minute old) while one refresh per view is queued, and the refresh brings
the new ones;
downloads are always current; stored figures read back with their types and their labels in the reader's language;
views nobody has refreshed for a week are dropped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from analytics import figure_snapshots
from analytics.figure_snapshots import analytics_to_show, current_analytics, refresh_default_views
from analytics.metrics import Period
from analytics.models import FiguresSnapshot, GuestMonthActivity
from analytics.rollups import refresh_dirty_days
from analytics.selectors import analytics_figures, dashboard_figures
from analytics.tests.dataset import FixedData, add_visit, local
from tests.fixtures import signed_in_client
from tests.queued_tasks import queued_in

ACTIVITY = GuestMonthActivity._meta.db_table


def _forget_cached_figures() -> None:
    cache.delete_pattern("analytics:*")  # the chain's own keys (the cache prefixes the schema)


def _reads_activity(queries: CaptureQueriesContext) -> bool:
    return any(ACTIVITY in query["sql"] for query in queries.captured_queries)


def _new_visit_in_march(alpha, data: FixedData, amount: str = "5000") -> None:
    add_visit(data.guests["B"], alpha.restaurants[1], local(data.zone, 2026, 3, 20), amount)
    refresh_dirty_days()


def _queued(queue: str) -> int:
    return len(queued_in(queue))


def test_stored_figures_read_back_as_computed_in_the_readers_language(q1: Period) -> None:
    computed = current_analytics(q1)
    _forget_cached_figures()

    shown = analytics_to_show(q1)

    assert shown.is_current and not shown.refreshing
    assert shown.data == {**dashboard_figures(q1), **analytics_figures(q1, timezone.now().astimezone(q1.zone).date())}
    assert shown.data == computed
    assert isinstance(shown.data["totals"]["loyalty_revenue_amount"], Decimal)
    assert isinstance(shown.data["cohorts"][0]["cohort"], dt.date)
    assert isinstance(shown.data["series"][0]["day"], dt.date)
    with translation.override("en"):
        assert "Champions" in [str(row["name"]) for row in shown.data["rfm"]]
    with translation.override("ru"):
        assert "Чемпионы" in [str(row["name"]) for row in shown.data["rfm"]]


def test_a_cold_cache_reads_the_stored_figures_without_recomputing(q1: Period) -> None:
    current_analytics(q1)
    _forget_cached_figures()

    with CaptureQueriesContext(connection) as queries:
        shown = analytics_to_show(q1)

    assert shown.is_current
    assert not _reads_activity(queries)
    assert FiguresSnapshot.objects.filter(start=q1.start, end=q1.end, scope="all").count() == 2  # both pages' parts


def test_after_new_checks_the_page_shows_the_last_figures_while_one_refresh_is_queued(
    alpha, fixed_data: FixedData, q1: Period, queued_not_run: str
) -> None:
    before = current_analytics(q1)["totals"]["loyalty_revenue_amount"]
    FiguresSnapshot.objects.update(computed_at=timezone.now() - dt.timedelta(minutes=5))
    _new_visit_in_march(alpha, fixed_data)
    owner = signed_in_client(alpha, "owner")

    with CaptureQueriesContext(connection) as queries:
        page = owner.get("/analytics/?start=2026-01-01&end=2026-03-31").content.decode()
    assert not _reads_activity(queries)  # nothing computed on the request
    assert 'data-testid="figures-as-of"' in page
    shown = analytics_to_show(q1)
    assert (shown.is_current, shown.refreshing) == (False, True)
    assert shown.data["totals"]["loyalty_revenue_amount"] == before
    assert _queued(queued_not_run) == 2  # the dashboard's part and the page's own, once each for both looks

    for kind in figure_snapshots.KINDS:  # what the queued tasks do, with the tokens they carry
        lock = figure_snapshots._lock_key(figure_snapshots._view(kind, q1), q1)
        figure_snapshots.refresh_figures(
            kind=kind, start=q1.start, end=q1.end, restaurant_ids=None, lock_token=cache.get(lock)
        )

    shown = analytics_to_show(q1)
    assert (shown.is_current, shown.refreshing) == (True, False)
    assert shown.data["totals"]["loyalty_revenue_amount"] == before + Decimal("5000")
    page = owner.get("/analytics/?start=2026-01-01&end=2026-03-31").content.decode()
    assert 'data-testid="figures-as-of"' not in page


def test_with_eager_tasks_the_page_shows_the_new_figures_at_once(alpha, fixed_data: FixedData, q1: Period) -> None:
    before = current_analytics(q1)["totals"]["loyalty_revenue_amount"]
    _new_visit_in_march(alpha, fixed_data, "250")

    shown = analytics_to_show(q1)

    assert (shown.is_current, shown.refreshing) == (True, False)
    assert shown.data["totals"]["loyalty_revenue_amount"] == before + Decimal("250")


def test_downloads_are_always_current_and_queue_nothing(
    alpha, fixed_data: FixedData, q1: Period, queued_not_run: str
) -> None:
    current_analytics(q1)
    _new_visit_in_march(alpha, fixed_data, "777")

    report = signed_in_client(alpha, "owner").get("/analytics/report/?start=2026-01-01&end=2026-03-31&format=csv")

    assert report.status_code == 200
    assert _queued(queued_not_run) == 0
    assert analytics_to_show(q1).is_current is True  # the download stored the current figures


def test_views_not_refreshed_for_a_week_are_dropped(q1: Period) -> None:
    current_analytics(q1)
    FiguresSnapshot.objects.update(
        computed_at=timezone.now() - dt.timedelta(days=figure_snapshots.SNAPSHOT_KEEP_DAYS + 1)
    )

    refresh_default_views()

    assert not FiguresSnapshot.objects.filter(start=q1.start).exists()
    assert FiguresSnapshot.objects.filter(view="dashboard", scope="all").exists()  # today's default views


def test_figures_hold_only_types_that_read_back() -> None:
    with pytest.raises(TypeError):
        figure_snapshots._encoded({"guest": object()})


def test_figures_a_few_seconds_behind_say_nothing(
    alpha, fixed_data: FixedData, q1: Period, queued_not_run: str
) -> None:
    current_analytics(q1)
    _new_visit_in_march(alpha, fixed_data)

    page = signed_in_client(alpha, "owner").get("/analytics/?start=2026-01-01&end=2026-03-31").content.decode()

    shown = analytics_to_show(q1)
    assert (shown.is_current, shown.is_behind) == (False, False)  # a busy chain's figures trail by seconds
    assert 'data-testid="figures-as-of"' not in page
