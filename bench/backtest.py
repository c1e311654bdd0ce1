"""Backtest benchmark: a 90-day backtest of a program draft over the chain's applied checks, beside the bare read of
the same checks in the same run. `make bench` replays 50,000 checks (at either BENCH_SCALE: a 1M-check run builds
a million rows and takes minutes of both cores); the full-scale proof is a run of its own,
`BENCH_BACKTEST_CHECKS=1000000 python -m bench backtest` (docs/benchmarks.md).

Reuses the `benchcore` chain and its guests (bench.loyalty_core: those already there, at least one per ten checks);
the applied checks are written by the server, not the ORM: one INSERT ... SELECT FROM generate_series per
CHECK_BATCH (keys `bench-backtest:N`, spread over 90 days, guests and restaurants drawn by the row number, one to
three lines from a small menu whose net amounts add up to the total), with the table's secondary indexes dropped
first and built again at the end. Three levels and a weekday promo make the replay move guests and match promos;
the draft also leaves drinks out of the base and adds a promo on desserts, so the lines are read.
- backtest: loyalty.services.backtests.replay_period (the guests' starting accounts, the checks and their lines
  read in time order, both programs replayed, the figures added up), as the Celery task runs it;
- read: the same checks read in the same order by the same cursor, nothing done with them.
Target: ≥ 16,000 checks/s (`backtest_checks_per_s`), i.e. 1M checks in about a minute.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import time
from decimal import Decimal
from typing import Any

from bench.loyalty_core import SCALES, _drop_secondary_indexes, bench_chain, ensure_seeded
from bench.results import append_results, entry, print_table, scale_name, setup_django

CHECKS = 50_000  # `make bench`'s size; BENCH_BACKTEST_CHECKS sets another
FULL_CHECKS = 1_000_000  # the full scale
DAYS = 90
KEY_PREFIX = "bench-backtest:"
CHECK_BATCH = 250_000

# One check's lines: a main (40 of them), drinks on two checks in three (10), a dessert on one in four (3); each
# line [sku, category, quantity, price, discount] as AppliedCheck.lines keeps it.
CHECKS_SQL = """
    INSERT INTO loyalty_appliedcheck (idempotency_key, guest_id, restaurant_id, total_amount, currency,
        checked_at, points_earned, points_spent, refused_reason, entry_ids, lines, created_at)
    SELECT %(prefix)s || n, %(first)s + (n * 7919) %% (%(last)s - %(first)s + 1),
        (%(restaurants)s::bigint[])[(1 + n %% cardinality(%(restaurants)s::bigint[]))::int],
        menu.main + CASE WHEN n %% 3 <> 0 THEN 2 * menu.drink ELSE 0 END
            + CASE WHEN n %% 4 = 0 THEN menu.dessert ELSE 0 END,
        'RUB', now() - make_interval(secs => (n::float8 / %(count)s) * %(seconds)s),
        0, CASE WHEN n %% 7 = 0 THEN 200 ELSE 0 END, '', '{}',
        jsonb_build_array(jsonb_build_array('main-' || menu.main_sku, 'Mains', '1', menu.main::text, '0'))
            || CASE WHEN n %% 3 <> 0 THEN jsonb_build_array(
                jsonb_build_array('drink-' || menu.drink_sku, 'Drinks', '2', menu.drink::text, '0'))
               ELSE '[]'::jsonb END
            || CASE WHEN n %% 4 = 0 THEN jsonb_build_array(
                jsonb_build_array('dessert-' || menu.dessert_sku, 'Dessert', '1', menu.dessert::text, '0'))
               ELSE '[]'::jsonb END,
        now()
    FROM generate_series(%(from)s::bigint, %(to)s::bigint - 1) AS n,
        LATERAL (SELECT (n * 7) %% 40 AS main_sku, (n * 11) %% 10 AS drink_sku, (n * 13) %% 3 AS dessert_sku) AS sku,
        LATERAL (SELECT sku.main_sku, sku.drink_sku, sku.dessert_sku, 300 + 50 * sku.main_sku AS main,
                        120 + 30 * sku.drink_sku AS drink, 250 + 100 * sku.dessert_sku AS dessert) AS menu
"""


def check_count() -> int:
    return int(os.environ.get("BENCH_BACKTEST_CHECKS") or CHECKS)


def ensure_checks(count: int) -> int:
    """Applied checks spread over the last DAYS days (the bench's own, by key), up to `count`; returns how many.
    Checks seeded before lines were kept are replaced."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM loyalty_appliedcheck WHERE idempotency_key LIKE %s AND lines = '[]'::jsonb",
            [f"{KEY_PREFIX}%"],
        )
        cursor.execute("SELECT count(*) FROM loyalty_appliedcheck WHERE idempotency_key LIKE %s", [f"{KEY_PREFIX}%"])
        have = cursor.fetchone()[0]
        if have >= count:
            return have
        cursor.execute("SELECT min(id), max(id) FROM guests_guest")
        first_guest, last_guest = cursor.fetchone()
        cursor.execute("SELECT array_agg(id ORDER BY id) FROM restaurants_restaurant")
        restaurants = cursor.fetchone()[0]
        print(f"  seeding {count - have:,} applied checks…", flush=True)
        began = time.monotonic()
        with transaction.atomic():
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as bench.loyalty_core's ledger seeding
            rebuild = _drop_secondary_indexes(cursor, "loyalty_appliedcheck")
            for first in range(have, count, CHECK_BATCH):
                last = min(first + CHECK_BATCH, count)
                cursor.execute(
                    CHECKS_SQL,
                    {
                        "prefix": KEY_PREFIX,
                        "first": first_guest,
                        "last": last_guest,
                        "restaurants": restaurants,
                        "count": count,
                        "from": first,
                        "to": last,
                        "seconds": (DAYS - 1) * 86400,
                    },
                )
                print(f"  checks: {last:,} / {count:,} ({time.monotonic() - began:.0f} s)", flush=True)
            for statement in rebuild:
                cursor.execute(statement)
        cursor.execute("ANALYZE loyalty_appliedcheck")
        print(f"  {count - have:,} checks and their indexes in {time.monotonic() - began:.0f} s", flush=True)
    return count


def ensure_program() -> None:
    from loyalty.models import Level, Promo
    from loyalty.services import create_level, create_promo

    for name, threshold, rate in (("Bench silver", 0, 3), ("Bench gold", 20000, 5), ("Bench platinum", 60000, 8)):
        if not Level.objects.filter(name=name).exists() and not Level.objects.filter(threshold_amount=threshold):
            create_level(actor=None, name=name, threshold_amount=Decimal(threshold), earn_rate_percent=Decimal(rate))
    if not Promo.objects.filter(name="Bench backtest Friday").exists():
        create_promo(actor=None, name="Bench backtest Friday", multiplier=Decimal(2), weekdays=[5])


def measure(start: datetime.datetime, end: datetime.datetime) -> tuple[int, float, float]:
    """(checks, seconds of the bare read, seconds of the backtest)."""
    from loyalty.models import AppliedCheck
    from loyalty.program_draft import draft_version, version_data
    from loyalty.selectors import current_program_version
    from loyalty.services.backtests import BATCH_SIZE, replay_period

    current = current_program_version()
    data = version_data(current)
    data["program"]["base_earn_rate_percent"] = "7"
    data["program"]["expiry_days"] = 60
    data["program"]["excluded_categories"] = ["Drinks"]
    data["promos"].append({"name": "Bench dessert", "multiplier": "2", "categories": ["Dessert"]})
    for level in data["levels"]:
        level["threshold_amount"] = str(Decimal(level["threshold_amount"]) / 2)
    draft = draft_version(data, base=current.program)

    began = time.monotonic()
    checks = 0
    for _row in (
        AppliedCheck.objects.filter(checked_at__gte=start, checked_at__lt=end, reversed_at__isnull=True)
        .order_by("checked_at", "id")
        .values_list("id", "guest_id", "restaurant_id", "checked_at", "total_amount", "points_spent", "lines")
        .iterator(chunk_size=BATCH_SIZE)
    ):
        checks += 1
    read_seconds = time.monotonic() - began

    began = time.monotonic()
    result = replay_period(draft=draft, start=start, end=end, current=current)
    backtest_seconds = time.monotonic() - began
    assert result["checks"] == checks, (result["checks"], checks)
    return checks, read_seconds, backtest_seconds


def run(requested_scale: str | None = None) -> list[dict[str, Any]]:
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import schema_context

    scale_name(requested_scale)  # refuses a BENCH_SCALE other than small or full, as every benchmark does
    count = check_count()
    size = "full" if count >= FULL_CHECKS else "small"
    guests = dataclasses.replace(SCALES["small"], guests=max(SCALES["small"].guests, count // 10))
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    chain = bench_chain()
    call_command("migrate_schemas", schema_name=chain.schema_name, interactive=False, verbosity=0)  # a reused chain
    with schema_context(chain.schema_name):
        ensure_seeded(guests)  # more, when bench.loyalty_core seeded its million first, are reused
        ensure_checks(count)
        ensure_program()
        end = datetime.datetime.now(datetime.UTC)
        checks, read_seconds, backtest_seconds = measure(end - datetime.timedelta(days=DAYS), end)
    connection.set_schema_to_public()

    rate, read_rate = checks / backtest_seconds, checks / read_seconds
    print_table(
        f"Backtest of a draft over {DAYS} days ({size}: {checks:,} checks)",
        [
            ["backtest (target ≥ 16,000 checks/s)", f"{backtest_seconds:.1f}", f"{rate:,.0f}"],
            ["bare read of the same checks", f"{read_seconds:.1f}", f"{read_rate:,.0f}"],
        ],
        header=["", "seconds", "checks/s"],
    )
    results = [
        entry(
            "backtest_checks_per_s",
            rate,
            "checks/s",
            baseline="backtest_read_checks_per_s",
            baseline_value=read_rate,
            scale=size,
        )
    ]
    append_results(results)
    return results
