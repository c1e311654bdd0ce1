"""Reads of a chain's restaurants, limited to those the caller works in (managers and cashiers: their own)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from restaurants.errors import RestaurantNotFound
from restaurants.models import Restaurant

if TYPE_CHECKING:
    from accounts.access import ChainAccess


def visible_restaurants(access: ChainAccess) -> QuerySet[Restaurant]:
    return access.limit_to_restaurants(Restaurant.objects.all(), field="id")


def access_restaurant(*, access: ChainAccess, restaurant_id: int) -> Restaurant:
    """The restaurant if the caller may see it; the same 404 for "missing" and "not yours"."""
    restaurant = visible_restaurants(access).filter(pk=restaurant_id).first()
    if restaurant is None:
        raise RestaurantNotFound(restaurant_id=restaurant_id)
    return restaurant
