"""A LocalTTLCache keeps a value for the setting's number of seconds, per key (and per chain schema when asked),
keeps nothing while the setting is 0, and forgets on invalidate, clear and clear_local_caches."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.db import connection

from maxloyalty import local_cache
from maxloyalty.local_cache import LocalTTLCache, clear_local_caches


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def kept(settings, clock: Clock) -> LocalTTLCache[str, str]:
    settings.TEST_LOCAL_TTL = 10
    return LocalTTLCache("TEST_LOCAL_TTL", per_schema=False, clock=clock)


def test_a_value_is_kept_until_its_time_is_up(kept, clock):
    kept.set("host", "chain-a")
    clock.now += 9.9
    assert kept.get("host") == "chain-a"
    clock.now += 0.1
    assert kept.get("host") is None


def test_the_lifetime_is_read_from_settings_when_the_value_is_set(kept, clock, settings):
    settings.TEST_LOCAL_TTL = 60
    kept.set("host", "chain-a")
    clock.now += 30
    assert kept.get("host") == "chain-a"


def test_setting_again_starts_the_time_anew(kept, clock):
    kept.set("host", "chain-a")
    clock.now += 8
    kept.set("host", "chain-b")
    clock.now += 8
    assert kept.get("host") == "chain-b"


def test_keys_are_kept_apart(kept):
    kept.set("a.ml.test", "chain-a")
    kept.set("b.ml.test", "chain-b")
    kept.invalidate("a.ml.test")
    assert kept.get("a.ml.test") is None
    assert kept.get("b.ml.test") == "chain-b"
    assert kept.get("c.ml.test") is None


def test_a_lifetime_of_zero_keeps_nothing(kept, settings):
    settings.TEST_LOCAL_TTL = 0
    kept.set("host", "chain-a")
    settings.TEST_LOCAL_TTL = 10
    assert kept.get("host") is None


def test_a_lifetime_turned_to_zero_stops_serving_what_was_kept(kept, settings):
    kept.set("host", "chain-a")
    settings.TEST_LOCAL_TTL = 0
    assert kept.get("host") is None


def test_clear_forgets_every_key(kept):
    kept.set("a.ml.test", "chain-a")
    kept.set("b.ml.test", "chain-b")
    kept.clear()
    assert kept.get("a.ml.test") is None
    assert kept.get("b.ml.test") is None


def test_clear_local_caches_empties_every_cache_of_the_process(kept, settings, clock):
    other = LocalTTLCache("TEST_LOCAL_TTL", per_schema=False, clock=clock)
    kept.set("host", "chain-a")
    other.set("host", "chain-b")
    clear_local_caches()
    assert kept.get("host") is None
    assert other.get("host") is None


@pytest.fixture
def in_schema() -> Iterator[Callable[[str], None]]:
    """Switch the connection's schema (no query is made); back to public afterwards."""
    yield connection.set_schema
    connection.set_schema_to_public()


def test_a_per_schema_cache_keeps_each_chain_apart(settings, clock, in_schema):
    settings.TEST_LOCAL_TTL = 10
    per_chain = LocalTTLCache("TEST_LOCAL_TTL", per_schema=True, clock=clock)
    in_schema("chain_a")
    per_chain.set("program", "program of a")
    in_schema("chain_b")
    assert per_chain.get("program") is None
    per_chain.set("program", "program of b")
    per_chain.invalidate("program")  # only chain b's copy
    assert per_chain.get("program") is None
    in_schema("chain_a")
    assert per_chain.get("program") == "program of a"


def test_many_entries_drop_the_expired_ones_and_keep_the_fresh(kept, clock, monkeypatch):
    monkeypatch.setattr(local_cache, "PRUNE_ABOVE_ENTRIES", 3)
    for day in ("d1", "d2", "d3", "d4"):
        kept.set(day, "marked")
    clock.now += 5
    kept.set("fresh", "marked")  # over the bound, but d1..d4 are still fresh: nothing is dropped
    assert len(kept) == 5
    assert kept.get("d1") == "marked"
    clock.now += 6  # d1..d4 have expired, "fresh" has not
    kept.set("new", "marked")
    assert len(kept) == 2
    assert kept.get("fresh") == "marked"
