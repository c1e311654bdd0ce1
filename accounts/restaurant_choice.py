"""The restaurant an owner, admin or manager is looking at, chosen once in the layout's switcher.

The choice is kept in the session and is the default restaurant filter of the dashboard, the guest list, analytics
and reports; an explicit filter in the URL wins. Owners and admins choose among every open restaurant of the chain,
managers only among theirs. Cashiers get no switcher: the till keeps its own choice (pos.till).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, QueryDict

from accounts.access import ChainAccess
from accounts.roles import Permission
from restaurants.models import Restaurant, RestaurantStatus

SESSION_KEY = "chosen_restaurant"


def offers_restaurant_choice(access: ChainAccess | None) -> bool:
    """Who gets the switcher: staff who see the pages it filters (cashiers do not)."""
    return access is not None and access.can(Permission.VIEW_DASHBOARD)


def choosable_restaurants(request: HttpRequest, access: ChainAccess) -> list[Restaurant]:
    """The open restaurants the viewer may choose (memoised on the request: the layout and the page both ask)."""
    cached: list[Restaurant] | None = getattr(request, "_choosable_restaurants", None)
    if cached is None:
        restaurants = Restaurant.objects.exclude(status=RestaurantStatus.CLOSED).order_by("name", "id")
        cached = list(access.limit_to_restaurants(restaurants, field="id").only("id", "name"))
        request._choosable_restaurants = cached  # type: ignore[attr-defined]  # memo on the request
    return cached


def chosen_restaurant(request: HttpRequest, access: ChainAccess | None) -> Restaurant | None:
    """The restaurant chosen in this session, while the viewer may still choose it; None means all of theirs."""
    if access is None or not offers_restaurant_choice(access):
        return None
    stored = request.session.get(SESSION_KEY)
    if not isinstance(stored, dict) or stored.get("chain") != access.membership.chain_id:
        return None
    wanted = stored.get("restaurant")
    return next((item for item in choosable_restaurants(request, access) if item.pk == wanted), None)


def chosen_restaurant_id(request: HttpRequest, access: ChainAccess | None) -> int | None:
    restaurant = chosen_restaurant(request, access)
    return restaurant.pk if restaurant is not None else None


def with_chosen_restaurant(request: HttpRequest, access: ChainAccess | None, param: str) -> QueryDict:
    """The query string, with the switcher's restaurant under `param` unless the URL names one (the URL wins):
    what every page filtered by restaurant binds its filter form to."""
    data = request.GET.copy()
    if param not in data and (chosen := chosen_restaurant_id(request, access)) is not None:
        data[param] = str(chosen)
    return data


def choose_restaurant(request: HttpRequest, access: ChainAccess, value: str) -> Restaurant | None:
    """Keep the choice in the session: a restaurant id, or "" for all. Anything the viewer may not choose
    (another manager's restaurant, a closed or unknown one, or a cashier choosing at all) is refused."""
    if not offers_restaurant_choice(access):
        raise PermissionDenied
    restaurant = None
    if value:
        restaurant = next((item for item in choosable_restaurants(request, access) if str(item.pk) == value), None)
        if restaurant is None:
            raise PermissionDenied
    request.session[SESSION_KEY] = {
        "chain": access.membership.chain_id,
        "restaurant": restaurant.pk if restaurant is not None else None,
    }
    return restaurant
