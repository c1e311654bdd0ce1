"""Fixtures of the loyalty tests: guests in chain alpha and the program settings of one test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from guests.models import Guest
from loyalty.services import update_program_settings
from loyalty.tests.factories import GuestFactory


@pytest.fixture
def guest(alpha: Any) -> Guest:
    return GuestFactory()


@pytest.fixture
def program(alpha: Any) -> Callable[..., None]:
    """program(expiry_days=30, ...) sets this test's program settings (rolled back with the test)."""

    def configure(**changes: Any) -> None:
        update_program_settings(actor=None, changes=changes)

    return configure
