"""Backtest benchmark: a 90-day backtest of a program draft over the chain's applied checks (1,000,000 at full
scale, 50,000 at BENCH_SCALE=small), beside the bare read of the same checks in the same run.

Reuses the `benchcore` chain and its guests (bench.loyalty_core); the applied checks are seeded once by one
INSERT ... SELECT (keys `bench-backtest:N`, spread over 90 days, guests and restaurants drawn by the row number),
with three levels and a weekday promo so the replay moves guests and matches promos.
- backtest: loyalty.services.backtests.replay_period (the guests' starting accounts, the checks read in time
  order, both programs replayed, the figures added up), as the Celery task runs it;
- read: the same checks read in the same order by the same cursor, nothing done with them.
Target: ≥ 16,000 checks/s (`backtest_checks_per_s`), i.e. 1M checks in about a minute.
"""

from __future__ import annotations

import datetime
import time
from decimal import Decimal
from typing import Any

from bench.loyalty_core import SCALES, bench_chain, ensure_seeded
from bench.results import append_results, entry, print_table, scale_name, setup_django

CHECKS = {"small": 50_000, "full": 1_000_000}
DAYS = 90
KEY_PREFIX = "bench-backtest:"


def ensure_checks(count: int) -> int:
    """Applied checks spread over the last DAYS days (the bench's own, by key), up to `count`; returns how many."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM loyalty_appliedcheck WHERE idempotency_key LIKE %s", [f"{KEY_PREFIX}%"])
        have = cursor.fetchone()[0]
        if have >= count:
            return have
        cursor.execute("SELECT min(id), max(id) FROM guests_guest")
        first_guest, last_guest = cursor.fetchone()
        cursor.execute("SELECT array_agg(id ORDER BY id) FROM restaurants_restaurant")
        restaurants = cursor.fetchone()[0]
        print(f"  seeding {count - have:,} applied checks…", flush=True)
        cursor.execute(
            """
            INSERT INTO loyalty_appliedcheck (idempotency_key, guest_id, restaurant_id, total_amount, currency,
                checked_at, points_earned, points_spent, refused_reason, entry_ids, created_at)
            SELECT %(prefix)s || n, %(first)s + (n * 7919) %% (%(last)s - %(first)s + 1),
                (%(restaurants)s::bigint[])[1 + n %% cardinality(%(restaurants)s::bigint[])],
                300 + (n * 37) %% 5000, 'RUB',
                now() - make_interval(secs => (n::float8 / %(count)s) * %(seconds)s),
                0, CASE WHEN n %% 7 = 0 THEN 200 ELSE 0 END, '', '{}', now()
            FROM generate_series(%(from)s, %(count)s - 1) AS n
            """,
            {
                "prefix": KEY_PREFIX,
                "first": first_guest,
                "last": last_guest,
                "restaurants": restaurants,
                "count": count,
                "from": have,
                "seconds": (DAYS - 1) * 86400,
            },
        )
        cursor.execute("ANALYZE loyalty_appliedcheck")
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
    for level in data["levels"]:
        level["threshold_amount"] = str(Decimal(level["threshold_amount"]) / 2)
    draft = draft_version(data, base=current.program)

    began = time.monotonic()
    checks = 0
    for _row in (
        AppliedCheck.objects.filter(checked_at__gte=start, checked_at__lt=end, reversed_at__isnull=True)
        .order_by("checked_at", "id")
        .values_list("id", "guest_id", "restaurant_id", "checked_at", "total_amount", "points_spent")
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

    scale = SCALES[scale_name(requested_scale)]
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    chain = bench_chain()
    call_command("migrate_schemas", schema_name=chain.schema_name, interactive=False, verbosity=0)  # a reused chain
    with schema_context(chain.schema_name):
        ensure_seeded(scale)
        ensure_checks(CHECKS[scale.name])
        ensure_program()
        end = datetime.datetime.now(datetime.UTC)
        checks, read_seconds, backtest_seconds = measure(end - datetime.timedelta(days=DAYS), end)
    connection.set_schema_to_public()

    rate, read_rate = checks / backtest_seconds, checks / read_seconds
    print_table(
        f"Backtest of a draft over {DAYS} days ({scale.name}: {checks:,} checks)",
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
            scale=scale.name,
        )
    ]
    append_results(results)
    return results
