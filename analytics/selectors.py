"""Figures for the dashboard. Grows with the loyalty core and the analytics roll-ups."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.access import ChainAccess
from accounts.models import Membership
from pos.models import Restaurant, RestaurantStatus


@dataclass(frozen=True)
class DashboardSummary:
    restaurants_open: int
    restaurants_total: int
    staff_active: int


def dashboard_summary(*, access: ChainAccess, chain_id: int) -> DashboardSummary:
    restaurants = access.limit_to_restaurants(Restaurant.objects.all(), field="id")
    return DashboardSummary(
        restaurants_open=restaurants.filter(status=RestaurantStatus.ACTIVE).count(),
        restaurants_total=restaurants.count(),
        staff_active=Membership.objects.filter(chain_id=chain_id, is_active=True).count(),
    )
