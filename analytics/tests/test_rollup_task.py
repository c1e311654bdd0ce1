"""The scheduled roll-up picks up writes that never fired a signal (bulk loads) for today."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from analytics.models import DailyRestaurantStats
from analytics.periods import chain_time_zone
from analytics.tasks import roll_up_daily_stats
from analytics.tests.dataset import add_guest
from guests.models import Visit


def test_scheduled_rollup_counts_bulk_inserted_visits_of_today(alpha) -> None:
    restaurant = alpha.restaurants[1]
    guest = add_guest(created_at=timezone.now(), home=restaurant)
    roll_up_daily_stats.apply()
    today = timezone.now().astimezone(chain_time_zone()).date()
    before = DailyRestaurantStats.objects.filter(day=today, restaurant=restaurant).values_list("visits", flat=True)
    visits_before = sum(before)
    Visit.objects.bulk_create(
        [
            Visit(guest=guest, restaurant=restaurant, visited_at=timezone.now(), check_amount=Decimal(123))
            for _ in range(3)
        ]
    )

    roll_up_daily_stats.apply()

    row = DailyRestaurantStats.objects.get(day=today, restaurant=restaurant)
    assert row.visits == visits_before + 3
