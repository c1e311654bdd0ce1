"""What the dashboard, the analytics page and the exports show: metrics scoped to what the viewer may see, cached.

Cache keys carry a fingerprint of the roll-ups up to the period's end, so recomputing a changed day invalidates
every cached figure that includes it (the django cache is per chain). The pages roll up the changed days first
(analytics.rollups.refresh_dirty_days).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone

from accounts.access import ChainAccess
from analytics import metrics
from analytics.metrics import Period
from analytics.models import DailyRestaurantStats
from analytics.periods import chain_time_zone
from analytics.routers import analytics_connection, fetch_rows
from guests.models import Guest
from restaurants.models import Restaurant

CACHE_SECONDS = 24 * 3600
DEFAULT_DAYS = 30


def visible_restaurants(access: ChainAccess) -> list[Restaurant]:
    restaurants = access.limit_to_restaurants(Restaurant.objects.order_by("name"), field="id")
    return list(restaurants.only("id", "name", "status"))


def scoped_period(
    *, access: ChainAccess, start: dt.date | None = None, end: dt.date | None = None, restaurant_id: int | None = None
) -> Period:
    """The period a viewer asked for, never wider than their restaurants (a manager's unknown restaurant: none)."""
    zone = chain_time_zone()
    today = timezone.now().astimezone(zone).date()
    end = end or today
    start = start or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if restaurant_id is not None:
        restaurant_ids: frozenset[int] | None = (
            frozenset({restaurant_id}) if access.covers_restaurant(restaurant_id) else frozenset()
        )
    else:
        restaurant_ids = access.restaurant_ids
    return Period(start=start, end=end, restaurant_ids=restaurant_ids, zone=zone)


def _cached(name: str, period: Period, compute: Callable[[], Any], fingerprint: str) -> Any:
    restaurants = "all" if period.restaurant_ids is None else ",".join(map(str, sorted(period.restaurant_ids)))
    key = f"analytics:{name}:{period.start}:{period.end}:{restaurants}:{fingerprint}"
    return cache.get_or_set(key, compute, CACHE_SECONDS)


def stats_fingerprint(last_day: dt.date) -> str:
    """Changes whenever a roll-up row of those days is recomputed: part of every analytics cache key."""
    alias = analytics_connection().alias
    summary = (
        DailyRestaurantStats.objects.using(alias)
        .filter(day__lte=last_day)
        .aggregate(latest=Max("computed_at"), rows=Count("id"))
    )
    latest = summary["latest"]
    return f"{summary['rows']}-{latest.timestamp() if latest else 0}"


def dashboard_data(period: Period, fingerprint: str | None = None) -> dict[str, Any]:
    """Cards, daily trends and the restaurant comparison, all read from the roll-ups (plus distinct active guests)."""
    fingerprint = fingerprint or stats_fingerprint(period.end)

    def compute() -> dict[str, Any]:
        return {
            "totals": metrics.period_totals(period),
            **{f"active_{days}": count for days, count in metrics.active_guest_counts(period, (30, 90)).items()},
            "series": metrics.daily_series(period),
            "restaurants": metrics.restaurant_comparison(period),
        }

    data: dict[str, Any] = _cached("dashboard", period, compute, fingerprint)
    return data


def analytics_data(period: Period) -> dict[str, Any]:
    """Every metric of the analytics page and the report."""
    fingerprint = stats_fingerprint(period.end)
    today = timezone.now().astimezone(period.zone).date()

    def compute() -> dict[str, Any]:
        return {
            **metrics.guest_figures(period),  # habits, rfm and top_guests in one pass
            "cohorts": metrics.retention_cohorts(period),
            "levels": metrics.level_distribution(period),
            "birthdays": metrics.birthdays_this_week(period, today),
            "promos": metrics.promo_performance(period),
        }

    data = dict(dashboard_data(period, fingerprint))
    data.update(_cached(f"analytics-{today}", period, compute, fingerprint))
    return data


def warm_default_views() -> int:
    """Compute and cache what the dashboard and the analytics page show first (the last DEFAULT_DAYS days, for the
    whole chain and for each restaurant), so that the first look after a roll-up (which changes the fingerprint of
    every cached figure) is read from the cache: at 1M guests computing them takes about a second (docs/
    benchmarks.md). Returns how many periods were computed (already cached ones cost a cache read)."""
    zone = chain_time_zone()
    today = timezone.now().astimezone(zone).date()
    start = today - dt.timedelta(days=DEFAULT_DAYS - 1)
    scopes: list[frozenset[int] | None] = [None]
    scopes += [frozenset({restaurant_id}) for restaurant_id in Restaurant.objects.values_list("id", flat=True)]
    for restaurant_ids in scopes:
        analytics_data(Period(start=start, end=today, restaurant_ids=restaurant_ids, zone=zone))
    return len(scopes)


def ids_of_test_guests() -> list[int]:
    """The test guests' ids (one at most; read from its partial unique index), to leave out of the roll-ups and the
    liability."""
    return [row[0] for row in fetch_rows(f"SELECT id FROM {Guest._meta.db_table} WHERE is_test", [])]  # noqa: S608
