"""Factories for the loyalty tests (guests of the active chain schema)."""

from __future__ import annotations

import factory

from guests.models import Guest


class GuestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guest

    phone = factory.Sequence(lambda number: f"+7999{number:07d}")
    first_name = factory.Sequence(lambda number: f"Guest{number}")
    last_name = "Tester"
