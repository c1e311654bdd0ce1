"""Restaurants (locations) of a chain: created, changed and removed by owners and admins, every change audited."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.services import changes_between, record_audit
from billing.limits import Limit, require_allowed
from maxloyalty.errors import Conflict, ValidationFailed
from pos.models import Restaurant

FIELDS = ("name", "address", "phone", "time_zone", "opening_hours", "status")


class RestaurantHasHistory(Conflict):
    code, message = (
        "restaurant_has_history",
        _("This restaurant has checks or points history; close it (status) instead of deleting it."),
    )


def _snapshot(restaurant: Restaurant) -> dict[str, Any]:
    return {field: getattr(restaurant, field) for field in FIELDS}


def _validate(values: dict[str, Any]) -> None:
    zone = values.get("time_zone")
    if zone and zone not in zoneinfo.available_timezones():
        raise ValidationFailed(fields={"time_zone": [str(_("Unknown time zone."))]})


@transaction.atomic
def create_restaurant(*, actor: Any, **values: Any) -> Restaurant:
    require_allowed(None, Limit.RESTAURANTS)
    _validate(values)
    restaurant = Restaurant.objects.create(**{key: value for key, value in values.items() if key in FIELDS})
    record_audit(
        action="restaurant.created",
        actor=actor,
        target=restaurant,
        data=_snapshot(restaurant),
        restaurant_id=restaurant.pk,
    )
    return restaurant


@transaction.atomic
def update_restaurant(*, actor: Any, restaurant: Restaurant, changes: dict[str, Any]) -> Restaurant:
    _validate(changes)
    restaurant = Restaurant.objects.select_for_update().get(pk=restaurant.pk)
    before = _snapshot(restaurant)
    for field, value in changes.items():
        if field in FIELDS:
            setattr(restaurant, field, value)
    restaurant.save()
    record_audit(
        action="restaurant.changed",
        actor=actor,
        target=restaurant,
        changes=changes_between(before, _snapshot(restaurant)),
        restaurant_id=restaurant.pk,
    )
    return restaurant


@transaction.atomic
def delete_restaurant(*, actor: Any, restaurant: Restaurant) -> None:
    """Delete a restaurant without history (and its unused POS connections); one with history is refused."""
    if restaurant.receipts.exists() or _has_loyalty_history(restaurant):
        raise RestaurantHasHistory(restaurant_id=restaurant.pk)
    record_audit(
        action="restaurant.deleted",
        actor=actor,
        target=restaurant,
        data=_snapshot(restaurant),
        restaurant_id=restaurant.pk,
    )
    restaurant.pos_connections.all().delete()
    restaurant.delete()


def _has_loyalty_history(restaurant: Restaurant) -> bool:
    from guests.models import Visit

    if Visit.objects.filter(restaurant=restaurant).exists():
        return True
    for relation in ("ledger_entries", "applied_checks"):
        manager = getattr(restaurant, relation, None)
        if manager is not None and manager.exists():
            return True
    return False
