"""What the dashboard, the analytics page and the exports show: the metrics of a period scoped to what the viewer
may see, and the roll-ups' fingerprint that tells whether figures computed earlier are still current.

Computing them costs a second or more at 1M guests: analytics.figure_snapshots keeps them (cache and stored
snapshots) and decides when to compute. The pages roll up the changed days first (analytics.rollups.refresh_dirty_days).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

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


def stats_fingerprint(last_day: dt.date) -> str:
    """Changes whenever a roll-up row of those days is recomputed: figures computed with another one are out of date."""
    alias = analytics_connection().alias
    summary = (
        DailyRestaurantStats.objects.using(alias)
        .filter(day__lte=last_day)
        .aggregate(latest=Max("computed_at"), rows=Count("id"))
    )
    latest = summary["latest"]
    return f"{summary['rows']}-{latest.timestamp() if latest else 0}"


def dashboard_figures(period: Period) -> dict[str, Any]:
    """Cards, daily trends and the restaurant comparison, all read from the roll-ups (plus distinct active guests)."""
    return {
        "totals": metrics.period_totals(period),
        **{f"active_{days}": count for days, count in metrics.active_guest_counts(period, (30, 90)).items()},
        "series": metrics.daily_series(period),
        "restaurants": metrics.restaurant_comparison(period),
    }


def analytics_figures(period: Period, today: dt.date) -> dict[str, Any]:
    """The analytics page's metrics beyond the dashboard's (birthdays are those of `today`'s week)."""
    return {
        **metrics.guest_figures(period),  # habits, rfm and top_guests in one pass
        "cohorts": metrics.retention_cohorts(period),
        "levels": metrics.level_distribution(period),
        "birthdays": metrics.birthdays_this_week(period, today),
        "promos": metrics.promo_performance(period),
    }


def default_periods() -> list[Period]:
    """What the dashboard and the analytics page show first: the last DEFAULT_DAYS days, for the whole chain and for
    each restaurant."""
    zone = chain_time_zone()
    today = timezone.now().astimezone(zone).date()
    start = today - dt.timedelta(days=DEFAULT_DAYS - 1)
    scopes: list[frozenset[int] | None] = [None]
    scopes += [frozenset({restaurant_id}) for restaurant_id in Restaurant.objects.values_list("id", flat=True)]
    return [Period(start=start, end=today, restaurant_ids=restaurant_ids, zone=zone) for restaurant_ids in scopes]


def ids_of_test_guests() -> list[int]:
    """The test guests' ids (one at most; read from its partial unique index), to leave out of the roll-ups and the
    liability."""
    return [row[0] for row in fetch_rows(f"SELECT id FROM {Guest._meta.db_table} WHERE is_test", [])]  # noqa: S608
