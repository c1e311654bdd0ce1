"""The analytics replica router against a real streaming replica: the analytics page's reads run on the standby,
writes never do, a standby lagging beyond ANALYTICS_REPLICA_MAX_LAG_SECONDS or unreachable is skipped for the primary,
and an idle primary is not lag.

The primary is a private cluster (initdb with the machine's PostgreSQL programs of the test server's major version,
tests/postgres_clusters.py), not the machine's server: a base backup of that one would copy every database on it and
needs replication allowed by its pg_hba.conf. Migrating a new database on the private primary would take a minute;
the test database (its chains committed by tests.fixtures) is copied there with pg_dump instead, then
`pg_basebackup -R` makes the standby, started on another port; both are stopped and deleted after the module (10-15 s
in all). Django's "default" stays the test database; alias "replica" points at the standby, so a figure
that exists only in the private primary's data can only have been read through the standby.
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections, router
from django.test.utils import CaptureQueriesContext
from prometheus_client import REGISTRY

from analytics.metrics import Period
from analytics.models import DailyRestaurantStats
from analytics.replica_lag import forget_replica_checks, replica_lag_seconds
from analytics.routers import REPLICA, analytics_connection, analytics_db_alias
from analytics.selectors import dashboard_figures
from maxloyalty.postgres_programs import postgres_connection_args
from tests.fixtures import ChainWorld
from tests.postgres_clusters import (
    PrivateServer,
    make_primary,
    make_standby,
    stopped_and_removed,
    wait_until_replayed,
)
from tests.process_harness import free_port

# "replica" joins the tests' databases when on_replica adds it (Django refuses a connection to an alias not listed).
pytestmark = [pytest.mark.processes, pytest.mark.django_db(databases=["default", "replica"])]

COPY = "maxloyalty"  # the test database's copy in the private primary
STATS_TABLE = DailyRestaurantStats._meta.db_table
SKIPS = "maxloyalty_analytics_replica_skips_total"


@dataclass
class Streaming:
    primary: PrivateServer
    standby: PrivateServer

    def add_stats(self, schema: str, *, day: dt.date, restaurant_id: int, visits: int) -> None:
        """A committed roll-up row in the private primary (so on the standby once replayed, never in "default")."""
        with self.primary.connect(COPY, autocommit=True) as primary:
            primary.execute(f'SET search_path TO "{schema}"')
            primary.execute(
                f"INSERT INTO {STATS_TABLE} (day, restaurant_id, new_guests, visits, loyalty_revenue_amount, "  # noqa: S608
                "other_checks, other_revenue_amount, points_issued, points_redeemed, points_expired, points_net, "
                "computed_at) VALUES (%s, %s, 0, %s, %s, 0, 0, 0, 0, 0, 0, now())",
                (day, restaurant_id, visits, visits * 100),
            )


def _copy_test_database(primary: PrivateServer) -> None:
    primary.one(f"CREATE DATABASE {COPY}")
    options, environment = postgres_connection_args()  # the test database on the machine's server
    dump = [primary.program("pg_dump"), *options, "--no-owner", "--no-privileges", connection.settings_dict["NAME"]]
    load = [primary.program("psql"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-d", COPY]
    dumped = subprocess.run(dump, env=environment, capture_output=True, check=True, timeout=120)
    load += ["-q", "-v", "ON_ERROR_STOP=1"]
    subprocess.run(load, input=dumped.stdout, capture_output=True, check=True, timeout=120)


@pytest.fixture(scope="module")
def streaming(worlds: dict[str, ChainWorld], django_db_blocker: Any) -> Iterator[Streaming]:
    """A private primary holding a copy of the test database and its streaming standby, for the whole module; alias
    "replica" is the standby meanwhile (added before any test's database set-up: Django refuses an alias it did not
    know then)."""
    with django_db_blocker.unblock():
        major = connection.pg_version // 10000  # the test server's: its pg_dump, the same server for the copy
    with stopped_and_removed() as home:
        try:
            primary = make_primary(home, major)
        except RuntimeError as missing:  # no server programs of that version, or root without runuser
            pytest.skip(str(missing))
        try:
            with django_db_blocker.unblock():
                _copy_test_database(primary)
            standby = make_standby(home, primary)
            try:
                primary.one("CREATE TABLE replayed_once (); DROP TABLE replayed_once;")  # a transaction replayed
                wait_until_replayed(primary, standby)
                settings.DATABASES[REPLICA] = {  # the same dict as Django's connections' settings
                    **settings.DATABASES["default"],
                    **{"HOST": "127.0.0.1", "PORT": standby.port, "NAME": COPY, "CONN_MAX_AGE": 0},
                }
                try:
                    yield Streaming(primary=primary, standby=standby)
                finally:
                    connections[REPLICA].close()
                    del connections[REPLICA]
                    del settings.DATABASES[REPLICA]
            finally:
                standby.stop()
        finally:
            primary.stop()


@pytest.fixture
def on_replica(streaming: Streaming, alpha: ChainWorld) -> Iterator[Streaming]:
    """The standby, with chain alpha's schema active and no replica check kept from an earlier test."""
    forget_replica_checks()
    yield streaming
    forget_replica_checks()


def _eventually(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s")
        time.sleep(0.1)


def _analytics_tables_queried(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if "analytics_" in query["sql"]]


def test_the_dashboard_reads_its_figures_on_the_standby(on_replica, alpha):
    day = dt.date(2026, 2, 10)
    on_replica.add_stats(alpha.chain.schema_name, day=day, restaurant_id=alpha.restaurants[0].id, visits=7)
    wait_until_replayed(on_replica.primary, on_replica.standby)
    period = Period(start=day, end=day, restaurant_ids=None)

    with (
        CaptureQueriesContext(connections[REPLICA]) as on_standby,
        CaptureQueriesContext(connections["default"]) as on_default,
    ):
        data = dashboard_figures(period)

    assert data["totals"]["visits"] == 7  # the row is only in the primary's copy, so only the standby can show it
    assert _analytics_tables_queried(on_standby)
    assert not _analytics_tables_queried(on_default)
    used = analytics_connection()
    assert (used.alias, int(used.settings_dict["PORT"])) == (REPLICA, on_replica.standby.port)
    with used.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (True,)
    assert DailyRestaurantStats.objects.filter(day=day).get().visits == 7  # the ORM router, no .using()


def test_writes_of_analytics_rows_go_to_the_primary_while_reads_go_to_the_standby(on_replica, alpha):
    day = dt.date(2026, 2, 11)
    assert analytics_db_alias() == REPLICA

    created = DailyRestaurantStats.objects.create(day=day, restaurant=alpha.restaurants[0], visits=3)
    updated, _ = DailyRestaurantStats.objects.update_or_create(
        day=day, restaurant=alpha.restaurants[0], defaults={"visits": 4}
    )
    changed = DailyRestaurantStats.objects.filter(day=day).update(visits=5)

    assert router.db_for_write(DailyRestaurantStats) == "default"
    assert (created._state.db, updated._state.db, changed) == ("default", "default", 1)
    assert DailyRestaurantStats.objects.using("default").get(day=day).visits == 5
    assert not DailyRestaurantStats.objects.filter(day=day).exists()  # a read: the standby, which has none of it


def test_a_standby_behind_by_more_than_the_limit_is_skipped_until_it_catches_up(on_replica, alpha, settings):
    settings.ANALYTICS_REPLICA_MAX_LAG_SECONDS = 1.0
    settings.ANALYTICS_REPLICA_CHECK_SECONDS = 0.3
    day = dt.date(2026, 2, 12)
    standby = on_replica.standby
    assert analytics_db_alias() == REPLICA
    lag_skips = REGISTRY.get_sample_value(SKIPS, {"reason": "lag"}) or 0.0

    standby.one("SELECT pg_wal_replay_pause()")
    try:
        on_replica.add_stats(alpha.chain.schema_name, day=day, restaurant_id=alpha.restaurants[0].id, visits=9)
        _eventually(lambda: analytics_db_alias() == "default")
        lag = replica_lag_seconds(REPLICA)
        assert lag is not None and lag > 1.0
        assert (REGISTRY.get_sample_value(SKIPS, {"reason": "lag"}) or 0.0) > lag_skips
        assert router.db_for_read(DailyRestaurantStats) == "default"
        assert analytics_connection().alias == "default"
    finally:
        standby.one("SELECT pg_wal_replay_resume()")

    _eventually(lambda: analytics_db_alias() == REPLICA)
    assert DailyRestaurantStats.objects.get(day=day).visits == 9  # read on the standby, caught up


def test_an_idle_primary_is_not_lag(on_replica, settings):
    settings.ANALYTICS_REPLICA_MAX_LAG_SECONDS = 1.0
    wait_until_replayed(on_replica.primary, on_replica.standby)
    time.sleep(1.5)  # nothing written meanwhile: the last replayed transaction is older than the limit

    idle_seconds = on_replica.standby.one("SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())")
    assert idle_seconds > 1.0
    assert replica_lag_seconds(REPLICA) == 0
    assert analytics_db_alias() == REPLICA


def test_an_unreachable_replica_sends_analytics_reads_to_the_primary_with_one_warning(on_replica, caplog):
    replica_settings = settings.DATABASES[REPLICA]  # what the check connects with (Django's wrapper shares it)
    standby_port, replica_settings["PORT"] = replica_settings["PORT"], free_port()  # nothing listens there
    skips = {"reason": "unreachable"}
    before = REGISTRY.get_sample_value(SKIPS, skips) or 0.0
    try:
        with caplog.at_level(logging.WARNING, logger="analytics.replica_lag"):
            aliases = [analytics_db_alias() for _ in range(3)]  # one check serves the interval (5 s), not each read
    finally:
        replica_settings["PORT"] = standby_port

    assert aliases == ["default"] * 3
    assert router.db_for_read(DailyRestaurantStats) == "default"
    assert len([record for record in caplog.records if "unreachable" in record.getMessage()]) == 1
    assert REGISTRY.get_sample_value(SKIPS, skips) == before + 1
