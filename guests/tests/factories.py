"""Guests and visits for tests, through the production write paths: guests registered by the guest service (valid
Russian mobile numbers, a fresh card each unless given), visits made by checks a POS sends (tests.checks)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import factory

from guests.models import Guest, Visit
from restaurants.models import Restaurant
from tests.checks import CheckSpec, register_guest, send_checks
from tests.fixtures import ChainWorld


class GuestFactory(factory.django.DjangoModelFactory):
    """A guest registered by guests.services.create_guest (its card chosen by the service unless given; welcome bonus
    and guest_registered included, the test chain's welcome bonus being 0 unless a test sets one)."""

    class Meta:
        model = Guest

    phone = factory.Sequence(lambda n: f"+7916{n:07d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"guest{n}@mail.ru")

    @classmethod
    def _create(cls, model_class: type[Guest], *args: Any, **fields: Any) -> Guest:
        home = fields.pop("home_restaurant", None)
        if home is not None:
            fields["home_restaurant_id"] = home.pk
        return register_guest(**fields)


def visits(world: ChainWorld, checks: Sequence[CheckSpec]) -> list[Visit]:
    """The visits of guests' checks sent by the POS and processed by the drain (one batch), in the order given."""
    receipts = send_checks(world, checks)
    by_id = Visit.objects.in_bulk([receipt.visit_id for receipt in receipts])
    return [by_id[receipt.visit_id] for receipt in receipts]  # type: ignore[index]  # every check had a guest


def visit(
    world: ChainWorld,
    *,
    guest: Guest | None = None,
    restaurant: Restaurant | None = None,
    amount: Decimal | str = Decimal("1500.00"),
    at: datetime.datetime | None = None,
) -> Visit:
    """One visit: `guest`'s (a new guest's) check of `amount` at `restaurant` (the world's first), closed `at` (now)."""
    (made,) = visits(world, [CheckSpec(amount, guest=guest or GuestFactory(), restaurant=restaurant, closed_at=at)])
    return made
