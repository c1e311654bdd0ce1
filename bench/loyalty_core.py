"""Loyalty core benchmark: guest lookup by phone and accrual through the service layer, each beside bare SQL.

One chain (slug `benchcore`) holds the seeded volume: 1,000,000 guests and 10,000,000 ledger entries at full
scale, 10,000 and 100,000 at BENCH_SCALE=small. Seeding is fast (guests by COPY, ledger and accounts by
INSERT … SELECT on the server) and done once: a later run reuses the chain when it already has the volume.

Measured in the same run, one operation at a time, service and baseline interleaved so both see the same noise:
- lookup_phone: guests.selectors.lookup_guest(phone=…) (normalisation, visibility rule, account join) vs
  `SELECT … FROM guests_guest WHERE phone = %s` on the same connection;
- accrue_service: loyalty.services.accrue_points (lock, idempotency check, FIFO lot, balance) vs the bare
  transaction `BEGIN; INSERT ledger row; UPDATE balance; COMMIT`.
Targets: lookup p99 ≤ 2× SQL, accrual p99 ≤ 3× SQL.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bench.results import append_results, entry, percentile, print_table, scale_name, setup_django

SLUG = "benchcore"
ENTRIES_PER_GUEST = 10  # 8 accruals of 25 points and 2 redemptions of 25: 150 points left, two lots used up
SEED_BATCH = 100_000


@dataclass(frozen=True)
class Scale:
    name: str
    guests: int
    iterations: int


SCALES = {
    "small": Scale("small", guests=10_000, iterations=1_000),
    "full": Scale("full", guests=1_000_000, iterations=5_000),
}


def phone_of(number: int) -> str:
    return f"+7916{number:07d}"


def bench_chain(slug: str = SLUG, name: str = "Bench core") -> Any:
    """The benchmark's chain `slug`, made the first time (its owner owner@<slug>.test), reused by later runs."""
    from tenants.models import Chain, ChainStatus
    from tenants.services import create_chain

    chain = Chain.objects.filter(slug=slug).first()
    if chain is None:
        chain, _owner = create_chain(
            name=name,
            slug=slug,
            owner_email=f"owner@{slug}.test",
            owner_password=uuid.uuid4().hex,
            status=ChainStatus.ACTIVE,
        )
    return chain


def _column_types(cursor: Any, table: str, columns: list[str]) -> list[int]:
    cursor.execute(
        "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
        [table],
    )
    types = dict(cursor.fetchall())
    return [types[column] for column in columns]


def _guest_rows(first: int, last: int, template: dict[str, Any], columns: list[str]) -> Iterator[list[Any]]:
    from bench.names import guest_name
    from guests.search_text import search_keys_of, search_name_of

    for number in range(first, last):
        values = dict(template)
        first_name, last_name = guest_name(number)
        values.update(
            phone=phone_of(number),
            first_name=first_name,
            last_name=last_name,
            search_name=search_name_of(first_name, last_name),  # what Guest.save() keeps; COPY bypasses it
            search_keys=search_keys_of(search_name_of(first_name, last_name)),
            card_number=f"77{number:08d}",
            qr_token=f"bench-qr-{number}",
        )
        yield [values[column] for column in columns]


def seed_guests(count: int) -> None:
    """COPY `count` guests in (phones +7916XXXXXXX from 0, realistic names: bench.names), every other column at
    its model default."""
    from django.db import connection
    from django.utils import timezone

    from guests.models import Guest

    fields = [field for field in Guest._meta.concrete_fields if not field.primary_key]
    sample = Guest()
    now = timezone.now()
    template: dict[str, Any] = {}
    for field in fields:
        value = now if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False) else None
        value = value if value is not None else getattr(sample, field.attname)
        template[field.column] = field.get_db_prep_save(value, connection)
    columns = [field.column for field in fields]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM guests_guest")
        start = cursor.fetchone()[0]
        types = _column_types(cursor, "guests_guest", columns)
        raw = cursor.cursor  # psycopg's own cursor: COPY
        column_list = ", ".join(f'"{column}"' for column in columns)
        for first in range(start, count, SEED_BATCH):
            last = min(first + SEED_BATCH, count)
            with raw.copy(f"COPY guests_guest ({column_list}) FROM STDIN") as copy:
                copy.set_types(types)
                for row in _guest_rows(first, last, template, columns):
                    copy.write_row(row)
            print(f"  guests: {last:,} / {count:,}", flush=True)


def seed_ledger(count: int) -> None:
    """Ten entries per guest and the account they add up to, written by the server (INSERT … SELECT).

    One transaction: the ledger's secondary indexes are dropped first and built again at the end (much faster
    than maintaining seven indexes row by row); a crash leaves the table as it was.
    """
    from django.db import connection, transaction

    from maxloyalty.db.partitions import name_partition_indexes

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(guest_id), 0) FROM loyalty_pointsaccount")
        done_up_to = cursor.fetchone()[0]
        cursor.execute("SELECT id FROM guests_guest WHERE phone = %s", [phone_of(count - 1)])
        last_id = cursor.fetchone()[0]
        cursor.execute("SELECT min(id) FROM guests_guest WHERE id > %s", [done_up_to])
        next_id = cursor.fetchone()[0]
        if next_id is None or next_id > last_id:
            return
        batch_guests = SEED_BATCH // ENTRIES_PER_GUEST * 2
        with transaction.atomic():
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            # Django's foreign keys are deferred: check them per statement instead of queueing millions of checks
            # to the commit (and ALTER TABLE refuses to run while such checks are pending).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            rebuild = _drop_secondary_indexes(cursor, "loyalty_ledgerentry")
            while next_id <= last_id:
                upper = next_id + batch_guests
                _seed_ledger_batch(cursor, next_id, upper, last_id)
                print(f"  ledger: guests up to id {min(upper, last_id + 1) - 1:,} of {last_id:,}", flush=True)
                next_id = upper
            began = time.monotonic()
            for statement in rebuild:
                cursor.execute(statement)
            name_partition_indexes("loyalty_ledgerentry")
            print(f"  ledger: {len(rebuild)} indexes rebuilt in {time.monotonic() - began:.0f} s", flush=True)
        cursor.execute("ANALYZE guests_guest")
        cursor.execute("ANALYZE loyalty_ledgerentry")
        cursor.execute("ANALYZE loyalty_pointsaccount")


def _drop_secondary_indexes(cursor: Any, table: str) -> list[str]:
    """Drop the table's unique constraints and indexes (not the primary key); return the DDL that rebuilds them."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """
        SELECT index.indexrelid::regclass::text, pg_get_indexdef(index.indexrelid) FROM pg_index index
        WHERE index.indrelid = %s::regclass AND NOT index.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = index.indexrelid)
        """,
        [table],
    )
    indexes = cursor.fetchall()
    for name, _definition in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cursor.execute(f"DROP INDEX {name}")
    # A partitioned table's index reads "ON ONLY <table>" (the parent alone): built again on every partition.
    return [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for name, definition in constraints] + [
        definition.replace(" ON ONLY ", " ON ", 1) for _name, definition in indexes
    ]


def _seed_ledger_batch(cursor: Any, next_id: int, upper: int, last_id: int) -> None:
    """Guests with next_id <= id < upper (and <= last_id): their ten entries and their account, together."""
    bounds = [next_id, upper, last_id]
    cursor.execute(
        """
        INSERT INTO loyalty_ledgerentry (kind, points, guest_id, reason, created_at, available_at, is_pending,
            remaining_points, idempotency_key, shortfall_points)
        SELECT CASE WHEN n IN (4, 8) THEN 'redemption' ELSE 'accrual' END,
               CASE WHEN n IN (4, 8) THEN -25 ELSE 25 END,
               g.id, '', now() - ((11 - n) * interval '9 days'), now() - ((11 - n) * interval '9 days'), false,
               CASE WHEN n IN (4, 8) OR n <= 2 THEN 0 ELSE 25 END,
               'seed:' || g.id || ':' || n, 0
        FROM guests_guest g CROSS JOIN generate_series(1, %s) AS n
        WHERE g.id >= %s AND g.id < %s AND g.id <= %s
        ORDER BY g.id, n
        """,
        [ENTRIES_PER_GUEST, *bounds],
    )
    cursor.execute(
        """
        INSERT INTO loyalty_pointsaccount (guest_id, available, pending, lifetime_spend_amount, updated_at)
        SELECT g.id, 150, 0, 25000, now() FROM guests_guest g WHERE g.id >= %s AND g.id < %s AND g.id <= %s
        """,
        bounds,
    )


# The planner's row estimate of a table, partitioned (the sum of its partitions') or not.
ESTIMATED_ROWS_SQL = (
    "SELECT coalesce(sum(c.reltuples), 0)::bigint FROM pg_class c WHERE c.oid = to_regclass(%s) AND c.relkind = 'r' "
    "OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass(%s))"
)
HISTORY_MONTHS = 13  # the seeders write up to a year back


def months_for_history() -> None:
    """The partitions of the seeded year's months, made before the rows arrive (a new chain has this month's and
    the next ones'; older rows would wait in the default partitions for the nightly maintenance)."""
    from django.utils import timezone

    from maxloyalty.db.partitions import add_months, create_month, month_start, partitioned_tables

    this_month = month_start(timezone.now())
    for item in partitioned_tables():
        for back in range(HISTORY_MONTHS, 0, -1):
            create_month(item.table, item.column, add_months(this_month, -back))


def ensure_seeded(scale: Scale) -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM guests_guest")
        guests = cursor.fetchone()[0]
    began = time.monotonic()
    months_for_history()
    if guests < scale.guests:
        print(f"Seeding {scale.guests:,} guests and {scale.guests * ENTRIES_PER_GUEST:,} ledger entries…", flush=True)
        seed_guests(scale.guests)
    seed_ledger(scale.guests)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM guests_guest")
        guests = cursor.fetchone()[0]
        cursor.execute(ESTIMATED_ROWS_SQL, ["loyalty_ledgerentry", "loyalty_ledgerentry"])
        entries = cursor.fetchone()[0]
    print(f"Data: {guests:,} guests, ~{entries:,} ledger entries (seeding took {time.monotonic() - began:.0f} s)")
    return guests, entries


def timed(operation: Callable[[int], object], number: int) -> float:
    began = time.perf_counter_ns()
    operation(number)
    return (time.perf_counter_ns() - began) / 1e6


def measure_pairs(
    iterations: int, service: Callable[[int], object], baseline: Callable[[int], object], *, warmup: int = 200
) -> tuple[list[float], list[float]]:
    """Warm up, then interleave the two (alternating which goes first) so both see the same noise."""
    for number in range(iterations, iterations + warmup):  # the inputs after the measured ones
        service(number)
        baseline(number)
    service_ms: list[float] = []
    baseline_ms: list[float] = []
    for number in range(iterations):
        pair = [(service_ms, service), (baseline_ms, baseline)]
        for samples, operation in pair if number % 2 else reversed(pair):
            samples.append(timed(operation, number))
    return service_ms, baseline_ms


def measure_lookup(scale: Scale, rng: random.Random) -> tuple[list[float], list[float]]:
    from django.db import connection

    from guests.models import Guest
    from guests.selectors import lookup_guest

    phones = [phone_of(rng.randrange(scale.guests)) for _ in range(scale.iterations + 200)]

    def service(number: int) -> object:
        return lookup_guest(access=None, phone=phones[number])

    columns = ", ".join(f'"{field.column}"' for field in Guest._meta.concrete_fields)

    def baseline(number: int) -> object:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM guests_guest WHERE phone = %s", [phones[number]])
            return cursor.fetchone()

    return measure_pairs(scale.iterations, service, baseline)


def measure_accrual(scale: Scale, rng: random.Random) -> tuple[list[float], list[float]]:
    from django.db import connection

    from guests.models import Guest
    from loyalty.models import EntryKind
    from loyalty.services import accrue_points

    count = scale.iterations + 200
    ids = list(
        Guest.objects.filter(phone__in=[phone_of(rng.randrange(scale.guests)) for _ in range(count)]).values_list(
            "pk", flat=True
        )
    )
    guests = {guest.pk: guest for guest in Guest.objects.filter(pk__in=ids)}
    service_guests = [guests[rng.choice(ids)] for _ in range(count)]
    sql_guest_ids = [rng.choice(ids) for _ in range(count)]
    run = uuid.uuid4().hex[:8]

    def service(number: int) -> object:
        return accrue_points(
            guest=service_guests[number], points=10, kind=EntryKind.ACCRUAL, idempotency_key=f"bench:{run}:s{number}"
        )

    connection.ensure_connection()
    raw = connection.connection  # psycopg's connection (autocommit on): its own transaction per call

    def baseline(number: int) -> object:
        guest_id = sql_guest_ids[number]
        with raw.transaction(), raw.cursor() as cursor:
            cursor.execute(
                "INSERT INTO loyalty_ledgerentry (kind, points, guest_id, reason, created_at, available_at, "
                "is_pending, remaining_points, idempotency_key, shortfall_points) "
                "VALUES ('accrual', 10, %s, '', now(), now(), false, 10, %s, 0)",
                [guest_id, f"bench:{run}:q{number}"],
            )
            cursor.execute(
                "UPDATE loyalty_pointsaccount SET available = available + 10, updated_at = now() WHERE guest_id = %s",
                [guest_id],
            )
        return None

    return measure_pairs(scale.iterations, service, baseline)


def run(requested_scale: str | None = None) -> list[dict[str, Any]]:
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import schema_context

    scale = SCALES[scale_name(requested_scale)]
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    chain = bench_chain()
    call_command("migrate_schemas", schema_name=chain.schema_name, interactive=False, verbosity=0)  # a reused chain
    rng = random.Random(2024)
    with schema_context(chain.schema_name):
        guests, entries = ensure_seeded(scale)
        lookup, lookup_sql = measure_lookup(scale, rng)
        accrual, accrual_sql = measure_accrual(scale, rng)
    connection.set_schema_to_public()

    def row(label: str, samples: list[float], baseline: list[float]) -> list[str]:
        p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
        base50, base99 = percentile(baseline, 0.5), percentile(baseline, 0.99)
        return [label, f"{p50:.3f}", f"{p99:.3f}", f"{base50:.3f}", f"{base99:.3f}", f"{p99 / base99:.2f}×"]

    print_table(
        f"Loyalty core ({scale.name}: {guests:,} guests, ~{entries:,} ledger entries, {scale.iterations:,} "
        "operations each), milliseconds",
        [
            row("guest lookup by phone (target p99 ≤ 2×)", lookup, lookup_sql),
            row("accrual through the service (target p99 ≤ 3×)", accrual, accrual_sql),
        ],
        header=["operation", "p50", "p99", "SQL p50", "SQL p99", "p99 ratio"],
    )
    results = [
        entry(
            "lookup_phone_p99_ms",
            percentile(lookup, 0.99),
            "ms",
            baseline="sql_lookup_phone_p99_ms",
            baseline_value=percentile(lookup_sql, 0.99),
            scale=scale.name,
        ),
        entry(
            "lookup_phone_p50_ms",
            percentile(lookup, 0.5),
            "ms",
            baseline="sql_lookup_phone_p50_ms",
            baseline_value=percentile(lookup_sql, 0.5),
            scale=scale.name,
        ),
        entry(
            "accrue_service_p99_ms",
            percentile(accrual, 0.99),
            "ms",
            baseline="sql_accrue_tx_p99_ms",
            baseline_value=percentile(accrual_sql, 0.99),
            scale=scale.name,
        ),
        entry(
            "accrue_service_p50_ms",
            percentile(accrual, 0.5),
            "ms",
            baseline="sql_accrue_tx_p50_ms",
            baseline_value=percentile(accrual_sql, 0.5),
            scale=scale.name,
        ),
    ]
    append_results(results)
    return results


if __name__ == "__main__":
    run()
