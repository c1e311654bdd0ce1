"""Reads of a chain's restaurants, limited to those the caller works in (managers and cashiers: their own)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from restaurants.errors import RestaurantNotFound
from restaurants.models import Restaurant

if TYPE_CHECKING:
    from accounts.access import ChainAccess


def visible_restaurants(access: ChainAccess) -> QuerySet[Restaurant]:
    return access.limit_to_restaurants(Restaurant.objects.all(), field="id")


def restaurants_matching(*, access: ChainAccess, query: str, limit: int = 5) -> list[Restaurant]:
    """The caller's restaurants whose name or address contains `query` (the quick search), by name."""
    text = query.strip()
    if not text:
        return []
    matching = visible_restaurants(access).filter(Q(name__icontains=text) | Q(address__icontains=text))
    return list(matching.order_by("name", "id")[:limit])


def access_restaurant(*, access: ChainAccess, restaurant_id: int) -> Restaurant:
    """The restaurant if the caller may see it; the same 404 for "missing" and "not yours"."""
    restaurant = visible_restaurants(access).filter(pk=restaurant_id).first()
    if restaurant is None:
        raise RestaurantNotFound(restaurant_id=restaurant_id)
    return restaurant
