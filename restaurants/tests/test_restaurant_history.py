"""A restaurant with history cannot be deleted, whichever app recorded it: the history check names the relations
pos, guests and loyalty declare rather than importing them, so each kind of history is tested here."""

from __future__ import annotations

from decimal import Decimal

import pytest

from guests.services import create_guest
from loyalty.rules import Check
from loyalty.services import apply_check
from restaurants.errors import RestaurantHasHistory
from restaurants.models import Restaurant
from restaurants.services import create_restaurant, delete_restaurant


def test_a_check_at_the_till_is_history(alpha):
    """No POS receipt: the guest's visit, ledger entry and applied check alone keep the restaurant."""
    owner = alpha.user("owner")
    restaurant = create_restaurant(actor=owner, name="Till only")
    guest = create_guest(access=None, phone="+79160000301", actor=owner)
    apply_check(guest=guest, check=Check(total_amount=Decimal(800)), restaurant=restaurant, idempotency_key="t:1")

    with pytest.raises(RestaurantHasHistory):
        delete_restaurant(actor=owner, restaurant=restaurant)
    assert Restaurant.objects.filter(pk=restaurant.pk).exists()


def test_a_restaurant_whose_guests_only_call_it_home_is_deleted(alpha):
    """A guest's home restaurant is a preference, not history: the guest stays, without a home restaurant."""
    owner = alpha.user("owner")
    restaurant = create_restaurant(actor=owner, name="Home only")
    guest = create_guest(access=None, phone="+79160000302", home_restaurant_id=restaurant.pk, actor=owner)

    delete_restaurant(actor=owner, restaurant=restaurant)

    guest.refresh_from_db()
    assert guest.home_restaurant_id is None
    assert not Restaurant.objects.filter(pk=restaurant.pk).exists()
