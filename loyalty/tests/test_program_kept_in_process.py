"""The loyalty program is kept in process for LOYALTY_PROGRAM_LOCAL_TTL seconds; a change made here is seen here
at once (the change drops the kept copy), and another process's change arrives when the time is up."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from loyalty import selectors
from loyalty.models import ProgramSettings
from maxloyalty.local_cache import clear_local_caches


@pytest.fixture(autouse=True)
def _nothing_kept_afterwards():
    yield
    clear_local_caches()


def test_a_change_is_seen_at_once_by_the_process_that_made_it(alpha, program, settings):
    settings.LOYALTY_PROGRAM_LOCAL_TTL = 60
    program(base_earn_rate_percent=5)
    assert selectors.program_context().program.base_earn_rate_percent == 5
    program(base_earn_rate_percent=7)
    assert selectors.program_context().program.base_earn_rate_percent == 7


def test_another_process_change_arrives_after_the_local_ttl(alpha, program, settings, monkeypatch):
    settings.LOYALTY_PROGRAM_LOCAL_TTL = 60
    program(base_earn_rate_percent=5)
    assert selectors.program_context().program.base_earn_rate_percent == 5
    # Another process changes the program: the row and the shared cache, not this process's copy.
    ProgramSettings.objects.update(base_earn_rate_percent=9)
    cache.delete(selectors.PROGRAM_CACHE_KEY)
    assert selectors.program_context().program.base_earn_rate_percent == 5  # still the kept copy
    monkeypatch.setattr(selectors._local_program, "clock", lambda: time.monotonic() + 61)  # the time is up
    assert selectors.program_context().program.base_earn_rate_percent == 9
