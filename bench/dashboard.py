"""Dashboard and analytics benchmark: the owner's pages over 1,000,000 guests and 10,000,000 ledger entries
(10,000 / 100,000 at BENCH_SCALE=small), cold (analytics cache empty and no stored figures: the first look at a
period, computed on the request; roll-ups present) and warm (cached), beside the bare SQL of the heaviest metric
measured in the same run.

Reuses the `benchcore` chain and its seeding (bench.loyalty_core); adds restaurants and three visits per guest
spread over a year (INSERT … SELECT), then builds the daily and guest × month roll-ups once, as the Celery task
would. The baseline is the slowest metric query of the analytics page run bare (cohorts, the per-guest figures
behind repeat rate / frequency / RFM / top guests, active guests); for comparison the table also shows the cohort
query the page ran over the raw visits before the guest × month roll-up.
Target: warm < 300 ms, cold < 2 s.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.loyalty_core import ESTIMATED_ROWS_SQL, SCALES, SEED_BATCH, bench_chain, ensure_seeded
from bench.results import append_results, entry, print_table, scale_name, setup_django

RESTAURANTS = 4
VISITS_PER_GUEST = 3
COLD_RUNS = 5
WARM_RUNS = 30


def ensure_restaurants() -> list[int]:
    from restaurants.models import Restaurant

    for number in range(Restaurant.objects.count(), RESTAURANTS):
        Restaurant.objects.create(name=f"Bench restaurant {number + 1}")
    return list(Restaurant.objects.order_by("id").values_list("id", flat=True)[:RESTAURANTS])


def seed_visits(guests: int, restaurant_ids: list[int]) -> None:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM guests_visit")
        if cursor.fetchone()[0] >= guests * VISITS_PER_GUEST:
            return
        cursor.execute("SELECT coalesce(max(guest_id), 0) FROM guests_visit")
        done_up_to = cursor.fetchone()[0]
        cursor.execute("SELECT min(id), max(id) FROM guests_guest WHERE id > %s", [done_up_to])
        next_id, last_id = cursor.fetchone()
        step = SEED_BATCH // VISITS_PER_GUEST
        while next_id is not None and next_id <= last_id:
            with transaction.atomic():
                # Visits of guest g: spread over the last 365 days by a hash of (g, n), checks of 500–5,499.
                cursor.execute(
                    """
                    INSERT INTO guests_visit (guest_id, restaurant_id, visited_at, check_amount, currency,
                        points_earned, points_spent, created_at)
                    SELECT g.id, (%s::bigint[])[1 + (g.id + n) %% %s],
                           now() - (((g.id * 7919 + n * 104729) %% 525600) * interval '1 minute'),
                           500 + (g.id * 31 + n * 17) %% 5000, 'RUB', 25, 0, now()
                    FROM guests_guest g CROSS JOIN generate_series(1, %s) AS n
                    WHERE g.id >= %s AND g.id < %s
                    """,
                    [restaurant_ids, len(restaurant_ids), VISITS_PER_GUEST, next_id, next_id + step],
                )
            print(f"  visits: guests up to id {min(next_id + step - 1, last_id):,} of {last_id:,}", flush=True)
            next_id += step
        # As autovacuum leaves a table that has lived a while: statistics, and the visibility map that lets the
        # (guest, time) index answer counts of visits alone (a segment's "visits in N days").
        cursor.execute("VACUUM (ANALYZE) guests_visit")


def _ms(action: Callable[[], Any]) -> float:
    began = time.perf_counter_ns()
    action()
    return (time.perf_counter_ns() - began) / 1e6


def _get(client: Any, path: str) -> None:
    response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}")


def _forget_cached_analytics() -> None:
    from django.core.cache import cache

    cache.delete_pattern("analytics:*")  # this chain's keys only (the cache is per chain)


def measure_page(client: Any, path: str) -> tuple[float, float]:
    """Median cold (analytics cache emptied and stored figures deleted before each request: the first look at a
    period, computed on the request) and median warm latency of one page."""
    from analytics.models import FiguresSnapshot

    cold = []
    for _ in range(COLD_RUNS):
        _forget_cached_analytics()
        FiguresSnapshot.objects.all().delete()
        cold.append(_ms(lambda: _get(client, path)))
    _get(client, path)
    warm = [_ms(lambda: _get(client, path)) for _ in range(WARM_RUNS)]
    return statistics.median(cold), statistics.median(warm)


def measure_heaviest_sql() -> tuple[str, float]:
    """Each metric query of the analytics page run bare, three times; the slowest one's median."""
    from analytics import metrics
    from analytics.selectors import scoped_period

    period = scoped_period(access=_owner_access())
    candidates: dict[str, Callable[[], Any]] = {
        "retention cohorts": lambda: metrics.retention_cohorts(period),
        "repeat rate, frequency, RFM, top guests": lambda: metrics.guest_figures(period),
        "active guests, 90 days": lambda: metrics.active_guests(period, 90),
    }
    timings = {name: statistics.median(_ms(query) for _ in range(3)) for name, query in candidates.items()}
    name = max(timings, key=lambda key: timings[key])
    return name, timings[name]


# The cohort query over the raw visits that the analytics page ran before the guest × month roll-up existed.
RAW_COHORTS_SQL = """
WITH months AS (
  SELECT guest_id, date_trunc('month', visited_at AT TIME ZONE %s)::date AS month
  FROM guests_visit WHERE visited_at < %s GROUP BY 1, 2),
cohorts AS (SELECT guest_id, min(month) AS cohort FROM months GROUP BY guest_id HAVING min(month) >= %s)
SELECT cohort, month, count(*) FROM months JOIN cohorts USING (guest_id) GROUP BY 1, 2
"""


def measure_raw_cohorts() -> float:
    from django.db import connection

    from analytics.selectors import scoped_period

    period = scoped_period(access=_owner_access())
    _start, end = period.bounds

    def query() -> None:
        with connection.cursor() as cursor:
            cursor.execute(RAW_COHORTS_SQL, [period.zone.key, end, period.start.replace(day=1)])
            cursor.fetchall()

    return _ms(query)


def _owner_access() -> Any:
    from accounts.access import resolve_access
    from accounts.models import Membership, Role

    membership = Membership.objects.filter(chain_id=_CHAIN[0].id, role=Role.OWNER).select_related("user").first()
    return resolve_access(membership.user, _CHAIN[0].id)


_CHAIN: list[Any] = []


def run(requested_scale: str | None = None) -> list[dict[str, Any]]:
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django_tenants.utils import schema_context

    from analytics.models import DailyRestaurantStats, GuestMonthActivity
    from analytics.rollups import recompute_all

    scale = SCALES[scale_name(requested_scale)]
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    call_command("migrate_schemas", tenant=True, interactive=False, verbosity=0)
    chain = bench_chain()
    _CHAIN[:] = [chain]
    with schema_context(chain.schema_name):
        guests, entries = ensure_seeded(scale)
        seed_visits(scale.guests, ensure_restaurants())
        with connection.cursor() as cursor:
            cursor.execute(ESTIMATED_ROWS_SQL, ["guests_visit", "guests_visit"])
            visits = cursor.fetchone()[0]
        rollup_s = _ms(recompute_all) / 1000
        with connection.cursor() as cursor:  # autovacuum would get there too; index-only scans need the map now
            cursor.execute(f"VACUUM ANALYZE {GuestMonthActivity._meta.db_table}")
        print(
            f"Roll-ups rebuilt in {rollup_s:.1f} s ({DailyRestaurantStats.objects.count():,} day rows, "
            f"{GuestMonthActivity.objects.count():,} guest × month rows)"
        )
        owner = _owner_access().user
        heaviest_name, heaviest_ms = measure_heaviest_sql()
        raw_cohorts_ms = measure_raw_cohorts()
    connection.set_schema_to_public()

    client = Client(HTTP_HOST=chain.host)
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    with schema_context(chain.schema_name):
        dashboard_cold, dashboard_warm = measure_page(client, "/dashboard/")
        analytics_cold, analytics_warm = measure_page(client, "/analytics/")
    connection.set_schema_to_public()

    print_table(
        f"Dashboard ({scale.name}: {guests:,} guests, ~{entries:,} ledger entries, ~{visits:,} visits), "
        f"median milliseconds; baseline: bare SQL of the heaviest metric ({heaviest_name})",
        [
            ["dashboard (target warm < 300, cold < 2000)", f"{dashboard_cold:.1f}", f"{dashboard_warm:.1f}"],
            ["analytics page", f"{analytics_cold:.1f}", f"{analytics_warm:.1f}"],
            [f"bare SQL: {heaviest_name}", f"{heaviest_ms:.1f}", "—"],
            ["for comparison: cohorts over the raw visits (before the roll-up)", f"{raw_cohorts_ms:.1f}", "—"],
        ],
        header=["page", "cold", "warm"],
    )

    def result(name: str, value: float) -> dict[str, Any]:
        return entry(name, value, "ms", baseline="sql_heaviest_metric_ms", baseline_value=heaviest_ms, scale=scale.name)

    results = [
        result("dashboard_warm_ms", dashboard_warm),
        result("dashboard_cold_ms", dashboard_cold),
        result("analytics_warm_ms", analytics_warm),
        result("analytics_cold_ms", analytics_cold),
    ]
    append_results(results)
    return results


if __name__ == "__main__":
    run()
