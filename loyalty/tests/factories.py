"""Factories for the loyalty tests: guests of the active chain schema, registered by the guest service."""

from __future__ import annotations

from typing import Any

import factory

from guests.models import Guest
from tests.checks import register_guest


class GuestFactory(factory.django.DjangoModelFactory):
    """A guest registered by guests.services.create_guest (welcome bonus and guest_registered included; the test
    chain's welcome bonus is 0 unless a test sets one)."""

    class Meta:
        model = Guest

    phone = factory.Sequence(lambda number: f"+7999{number:07d}")
    first_name = factory.Sequence(lambda number: f"Guest{number}")
    last_name = "Tester"

    @classmethod
    def _create(cls, model_class: type[Guest], *args: Any, **fields: Any) -> Guest:
        home = fields.pop("home_restaurant", None)
        if home is not None:
            fields["home_restaurant_id"] = home.pk
        return register_guest(**fields)
