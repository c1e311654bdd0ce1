"""A write outside every month partition never fails: a check dated five years back records its visit in the
visits' default partition, the metrics show it waiting there, and the nightly maintenance moves it into a month
partition of its own, nothing lost."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.test import Client

from guests.models import Visit
from loyalty.models import EntryKind, LedgerEntry, LedgerKey
from loyalty.rules import Check
from loyalty.services import accrue_points, apply_check
from loyalty.tests.factories import GuestFactory
from maxloyalty.db.partitions import default_partition_name, partition_name
from tenants.partitions import maintain_chain_partitions

LONG_AGO = datetime.datetime.now(datetime.UTC).replace(day=10, hour=12, minute=0, second=0, microsecond=0)
LONG_AGO = LONG_AGO.replace(year=LONG_AGO.year - 5)
VISITS = Visit._meta.db_table


def _rows_in(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ONLY {connection.ops.quote_name(table)}")  # noqa: S608
        return int(cursor.fetchone()[0])


def _waiting_in_default_visits() -> float:
    body = Client(HTTP_HOST="10.0.0.7").get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    (line,) = [
        line for line in body.splitlines() if line.startswith(f'maxloyalty_partition_default_rows{{table="{VISITS}"}}')
    ]
    return float(line.rsplit(" ", 1)[1])


def test_a_visit_years_back_waits_in_the_default_partition_and_maintenance_gives_it_a_month(alpha):
    guest = GuestFactory(home_restaurant=alpha.restaurants[0])
    apply_check(
        guest=guest,
        check=Check(total_amount=Decimal(800), at=LONG_AGO),
        restaurant=alpha.restaurants[0],
        idempotency_key="import:long-ago",
    )
    visit = Visit.objects.get(guest=guest)
    waiting_before = _waiting_in_default_visits()
    in_default_before = _rows_in(default_partition_name(VISITS))

    done = maintain_chain_partitions()

    month = partition_name(VISITS, LONG_AGO.date().replace(day=1))
    assert in_default_before == 1 and waiting_before >= 1  # the write landed, in the default partition
    assert done.drained[VISITS] == [LONG_AGO.date().replace(day=1)]
    assert _rows_in(default_partition_name(VISITS)) == 0
    assert _waiting_in_default_visits() == 0
    assert _rows_in(month) == 1
    moved = Visit.objects.get(guest=guest)
    assert (moved.pk, moved.visited_at, moved.check_amount) == (visit.pk, LONG_AGO, Decimal(800))


def test_ledger_rows_moved_out_of_the_default_partition_keep_their_idempotency_keys(alpha):
    """The move is not a delete: the key table's release trigger must not fire, or a retry would accrue twice."""
    guest = GuestFactory(home_restaurant=alpha.restaurants[0])
    entry = accrue_points(guest=guest, points=100, kind=EntryKind.WELCOME, idempotency_key="welcome:long-ago")
    LedgerEntry.objects.filter(pk=entry.pk).update(created_at=LONG_AGO)  # a clock far behind, say

    maintain_chain_partitions()
    again = accrue_points(guest=guest, points=100, kind=EntryKind.WELCOME, idempotency_key="welcome:long-ago")

    assert LedgerKey.objects.filter(entry_id=entry.pk, idempotency_key="welcome:long-ago").exists()
    assert again.pk == entry.pk
    assert LedgerEntry.objects.filter(guest=guest).count() == 1
    assert _rows_in(partition_name(LedgerEntry._meta.db_table, LONG_AGO.date().replace(day=1))) == 1
