"""Which restaurants a guest has visited (guests.RestaurantGuest), what a manager or cashier of some restaurants
may see by: every check writer keeps it (one check and a batch), a late check that happened earlier moves the first
visit back, a merge gives the survivor the merged guest's restaurants and its undo takes them away again, and the
migration fills it from the visits a chain already has."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from guests.merge import merge_guests, unmerge_guests
from guests.models import RestaurantGuest
from guests.services import create_guest
from loyalty import rules
from loyalty.services import CheckToApply, apply_check, apply_checks
from tests.fixtures import api_as


def _visited(guest) -> dict[int, datetime.datetime]:
    return dict(RestaurantGuest.objects.filter(guest=guest).values_list("restaurant_id", "first_visited_at"))


def _check(restaurant, at: datetime.datetime | None = None) -> rules.Check:
    return rules.Check(total_amount=Decimal("500.00"), restaurant_id=restaurant.pk, at=at)


def test_a_check_at_another_restaurant_shows_the_guest_to_its_staff(alpha):
    home, other = alpha.restaurants[1], alpha.restaurants[0]  # alpha's manager works at restaurants[0] only
    guest = create_guest(access=None, phone="+79035557001", first_name="Vera", home_restaurant_id=home.pk)
    manager = api_as(alpha, "manager")
    assert manager.get(f"/api/v1/guests/{guest.pk}").status_code == 404

    apply_check(guest=guest, check=_check(other), restaurant=other, idempotency_key="vera-1")

    assert set(_visited(guest)) == {other.pk}
    assert manager.get(f"/api/v1/guests/{guest.pk}").status_code == 200


def test_a_late_check_from_earlier_moves_the_first_visit_back(alpha):
    restaurant = alpha.restaurants[0]
    guest = create_guest(access=None, phone="+79035557002", first_name="Gleb")
    now = timezone.now()
    apply_check(guest=guest, check=_check(restaurant, now), restaurant=restaurant, idempotency_key="gleb-1")
    earlier = now - datetime.timedelta(hours=5)

    apply_check(guest=guest, check=_check(restaurant, earlier), restaurant=restaurant, idempotency_key="gleb-0")

    assert _visited(guest) == {restaurant.pk: earlier}


def test_a_batch_of_checks_records_every_restaurant(alpha):
    first, second = alpha.restaurants[0], alpha.restaurants[1]
    guest = create_guest(access=None, phone="+79035557003", first_name="Dina")
    apply_checks(
        [
            CheckToApply(guest=guest, check=_check(first), restaurant=first, idempotency_key="dina-1"),
            CheckToApply(guest=guest, check=_check(second), restaurant=second, idempotency_key="dina-2"),
        ]
    )
    assert set(_visited(guest)) == {first.pk, second.pk}


def test_a_merge_moves_the_restaurants_and_its_undo_takes_them_back(alpha):
    home, other = alpha.restaurants[1], alpha.restaurants[0]
    survivor = create_guest(access=None, phone="+79035557004", first_name="Ilya", home_restaurant_id=home.pk)
    merged = create_guest(access=None, phone="+79035557005", first_name="Ilya", home_restaurant_id=home.pk)
    apply_check(guest=merged, check=_check(other), restaurant=other, idempotency_key="ilya-2")
    manager = api_as(alpha, "manager")

    merge = merge_guests(access=None, survivor_id=survivor.pk, other_id=merged.pk)
    assert set(_visited(survivor)) == {other.pk}
    assert manager.get(f"/api/v1/guests/{survivor.pk}").status_code == 200

    unmerge_guests(access=None, merge_id=merge.pk)
    assert _visited(survivor) == {}
    assert set(_visited(merged)) == {other.pk}
    assert manager.get(f"/api/v1/guests/{survivor.pk}").status_code == 404


def test_the_migration_fills_the_table_from_existing_visits(alpha):
    restaurant = alpha.restaurants[0]
    guest = create_guest(access=None, phone="+79035557006", first_name="Oleg")
    apply_check(guest=guest, check=_check(restaurant), restaurant=restaurant, idempotency_key="oleg-1")
    expected = _visited(guest)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the rows' deferred checks run now, before the DROP
    executor = MigrationExecutor(connection)
    executor.migrate([("guests", "0015_duplicate_candidates")])  # the table is dropped

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert _visited(guest) == expected
