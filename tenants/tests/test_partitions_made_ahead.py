"""The nightly maintenance keeps every partitioned table's coming months ready in each chain, idempotently, from a
beat entry that fans out to every served chain on the maintenance queue."""

from __future__ import annotations

import datetime

from django.db import connection

from maxloyalty.db.partitions import MONTHS_AHEAD, add_months, missing_partitions, partitioned_tables
from maxloyalty.task_routes import MAINTENANCE, TASK_WORKLOADS
from tenants.partitions import maintain_chain_partitions
from tenants.tasks import maintain_partitions_task

# Half a year past any month the migrations made: none of its partitions exists yet.
LATER = datetime.datetime.now(datetime.UTC).replace(day=15) + datetime.timedelta(days=200)


def _exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        return bool(cursor.fetchone()[0])


def test_maintenance_makes_this_month_and_the_coming_ones_of_every_table(alpha):
    month = datetime.date(LATER.year, LATER.month, 1)
    assert missing_partitions(now=LATER)  # half a year on, nothing is ready without maintenance

    done = maintain_chain_partitions(now=LATER)

    expected = [
        f"{item.table}_p{add_months(month, offset):%Y%m}"
        for item in partitioned_tables()
        for offset in range(MONTHS_AHEAD + 1)
    ]
    assert all(_exists(name) for name in expected)
    assert set(expected) <= set(done.created)
    assert missing_partitions(now=LATER) == []


def test_a_second_run_makes_nothing(alpha):
    maintain_chain_partitions(now=LATER)

    again = maintain_chain_partitions(now=LATER)

    assert again.created == []
    assert again.drained == {}


def test_the_task_keeps_the_current_chain_ready_for_now(alpha):
    maintain_partitions_task()

    assert missing_partitions() == []


def test_beat_runs_it_nightly_in_every_chain_on_the_maintenance_queue(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["partitions-maintain"]

    assert (entry["task"], entry["args"]) == (
        "tenants.tasks.run_in_every_chain",
        ["tenants.tasks.maintain_partitions_task"],
    )
    assert TASK_WORKLOADS["tenants.tasks.maintain_partitions_task"] == MAINTENANCE
    assert entry["options"]["queue"] == settings.CELERY_TASK_DEFAULT_QUEUE  # the maintenance queue is the base
