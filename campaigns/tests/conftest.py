"""Fixtures of the campaigns tests: the acting staff member's access per role in chain alpha."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from accounts.access import ChainAccess, resolve_access
from tests.fixtures import ChainWorld


@pytest.fixture
def access_of(alpha: ChainWorld) -> Callable[[str], ChainAccess]:
    def resolve(role: str) -> ChainAccess:
        access = resolve_access(alpha.user(role), alpha.chain.id)
        assert access is not None
        return access

    return resolve
