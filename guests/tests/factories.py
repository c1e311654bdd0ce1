"""Guests and visits for tests: valid Russian mobile numbers, a unique card each."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from guests.cards import random_card_number
from guests.models import Guest, Visit


class GuestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guest

    phone = factory.Sequence(lambda n: f"+7916{n:07d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"guest{n}@mail.ru")
    card_number = factory.LazyFunction(random_card_number)


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    guest = factory.SubFactory(GuestFactory)
    visited_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    check_amount = Decimal("1500.00")
    points_earned = 75
