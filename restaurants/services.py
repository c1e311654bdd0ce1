"""Restaurants (locations) of a chain: created, changed and removed by owners and admins, every change audited."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from audit.services import changes_between, record_audit
from billing.limits import Limit, require_allowed
from maxloyalty.errors import ValidationFailed
from restaurants.errors import RestaurantHasHistory
from restaurants.models import Restaurant

FIELDS = ("name", "address", "phone", "time_zone", "opening_hours", "status", "latitude", "longitude")
COORDINATE_LIMITS = {"latitude": 90.0, "longitude": 180.0}

# Rows that record business done at a restaurant (pos receipts, guests' visits, loyalty's ledger and checks):
# named by the reverse relations those apps declare, so this bottom app imports none of them.
HISTORY_RELATIONS = ("receipts", "visits", "ledger_entries", "applied_checks")


def _snapshot(restaurant: Restaurant) -> dict[str, Any]:
    return {field: getattr(restaurant, field) for field in FIELDS}


def _validate(values: dict[str, Any]) -> None:
    zone = values.get("time_zone")
    if zone and zone not in zoneinfo.available_timezones():
        raise ValidationFailed(fields={"time_zone": [str(_("Unknown time zone."))]})
    for field, limit in COORDINATE_LIMITS.items():
        value = values.get(field)
        if value is not None and not -limit <= value <= limit:
            raise ValidationFailed(
                fields={field: [str(_("Between -%(limit)d and %(limit)d degrees.") % {"limit": int(limit)})]}
            )


@transaction.atomic
def create_restaurant(*, actor: Actor, **values: Any) -> Restaurant:
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
def update_restaurant(*, actor: Actor, restaurant: Restaurant, changes: dict[str, Any]) -> Restaurant:
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
def delete_restaurant(*, actor: Actor, restaurant: Restaurant) -> None:
    """Delete a restaurant without history (and its unused POS connections); one with history is refused."""
    if has_history(restaurant):
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


def has_history(restaurant: Restaurant) -> bool:
    return any(getattr(restaurant, relation).exists() for relation in HISTORY_RELATIONS)
