"""Analytics reads go to the "replica" alias only when one is configured; writes, migrations and other apps' reads
never do. With a real streaming replica (and its lag): test_replica_streaming.py."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from analytics.models import DailyRestaurantStats
from analytics.routers import AnalyticsReplicaRouter, analytics_db_alias
from guests.models import Guest


def test_without_a_replica_everything_reads_the_primary() -> None:
    router = AnalyticsReplicaRouter()
    assert "replica" not in settings.DATABASES
    assert router.db_for_read(DailyRestaurantStats) is None
    assert analytics_db_alias() == "default"


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_with_a_replica_writes_migrations_and_other_apps_never_go_there() -> None:
    router = AnalyticsReplicaRouter()
    with override_settings(DATABASES={**settings.DATABASES, "replica": dict(settings.DATABASES["default"])}):
        assert router.db_for_read(Guest) is None
        assert router.db_for_write(DailyRestaurantStats) is None
        assert router.allow_migrate("replica", "analytics") is False
