"""Guests and visits for tests: guests registered by the guest service (valid Russian mobile numbers, a fresh card
each unless given)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from guests.models import Guest, Visit
from tests.checks import register_guest


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


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    guest = factory.SubFactory(GuestFactory)
    visited_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    check_amount = Decimal("1500.00")
    points_earned = 75
