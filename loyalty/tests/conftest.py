"""Fixtures of the loyalty tests: guests in chain alpha and the program settings of one test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from guests.models import Guest
from loyalty.models import ProgramSettings
from loyalty.services import update_program_settings
from loyalty.tests.connections import in_own_connection
from loyalty.tests.factories import GuestFactory


@pytest.fixture
def guest(alpha: Any) -> Guest:
    """A guest of alpha's first restaurant, the one its manager and cashier work at."""
    return GuestFactory(home_restaurant=alpha.restaurants[0])


@pytest.fixture
def program(alpha: Any) -> Callable[..., None]:
    """program(expiry_days=30, ...) sets this test's program settings (rolled back with the test)."""

    def configure(**changes: Any) -> None:
        update_program_settings(actor=None, changes=changes)

    return configure


def _delete_guest_rows(guest_id: int, *, had_settings: bool) -> None:
    with connection.cursor() as cursor:
        for table, column in (
            ("audit_auditentry", "object_id"),
            ("loyalty_notificationoutbox", "guest_id"),
            ("loyalty_levelchange", "guest_id"),
            ("loyalty_promocodeuse", "guest_id"),
            ("loyalty_referral", "guest_id"),
            ("loyalty_referral", "referrer_id"),
            ("loyalty_ledgerentry", "guest_id"),
            ("loyalty_appliedcheck", "guest_id"),
            ("guests_visit", "guest_id"),
            ("loyalty_pointsaccount", "guest_id"),
            ("guests_guest", "id"),
        ):
            value = str(guest_id) if column == "object_id" else guest_id
            cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [value])  # noqa: S608
        if not had_settings:
            cursor.execute("DELETE FROM loyalty_programsettings")


@pytest.fixture
def committed_guest(alpha: Any) -> Iterator[tuple[Any, Guest]]:
    """A guest of chain alpha committed for real (other connections see it), deleted after the test.

    For concurrency tests: workers use their own connections; the test body only reads (it sees committed rows).
    """
    schema_name = alpha.chain.schema_name
    had_settings = in_own_connection(schema_name, ProgramSettings.objects.exists)
    home_id = alpha.restaurants[0].pk  # a guest of the restaurant alpha's manager and cashier work at
    guest = in_own_connection(schema_name, lambda: GuestFactory(home_restaurant_id=home_id))
    try:
        yield alpha, guest
    finally:
        in_own_connection(schema_name, lambda: _delete_guest_rows(guest.pk, had_settings=had_settings))
