"""Fraud rules benchmark: what the per-guest rules cost beside the checks that set them off (issue #27: at most 10 %).

In process, one fresh chain made as bench.webhook makes it (tests.process_harness.create_webhook_chain). Measured side
by side, batch after batch so both see the same noise:
- checks: CHECKS checks of the chain's guests written by the POS drain's batch writer (loyalty.services.apply_checks,
  the largest part of a webhook check's cost once acknowledged), in batches of BATCH;
- rules: after each batch, the fraud task's service for that batch's guests (fraud.services.check_guests), as
  fraud.signals queues it after the batch commits (the tasks queued meanwhile are purged at the end).
fraud_rules_vs_batch_writer_percent = the rules' time / the checks' time × 100: against the batch writer alone (no
HTTP intake, no claim, no events), a strict upper bound. fraud_rules_cost_percent (issue #27's target, ≤ 10) weighs the
rules against the whole webhook path measured earlier in the same `make bench` (webhook_checks_per_s in
bench/out/results.json, the stack using every core): the machine time the rules take per check (one core) over the
machine time a webhook check takes (cores / webhook_checks_per_s); without a webhook result it is not written. The
fraud task's own queueing (one task per batch of checks) is not counted. Run alone with `python -m bench.fraud_rules`;
BENCH_SCALE=small is a quick run.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from decimal import Decimal
from typing import Any

from bench.results import RESULTS, append_results, entry, print_table, scale_name, setup_django

SIZES = {"small": (2_000, 2_000), "full": (10_000, 20_000)}  # guests, checks: a few checks per guest a day, as in life
BATCH = 100  # receipts the drain claims at a time


def _webhook_checks_per_s(scale: str) -> float | None:
    """webhook_checks_per_s of this scale from the results written earlier in this run (bench.webhook), if any."""
    if not RESULTS.exists():
        return None
    try:
        rows = json.loads(RESULTS.read_text())
    except ValueError:
        return None
    rates = [row["value"] for row in rows if row.get("name") == "webhook_checks_per_s" and row.get("scale") == scale]
    return float(rates[-1]) if rates and rates[-1] else None


def run(requested_scale: str | None = None) -> list[dict[str, Any]]:
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django_tenants.utils import schema_context

    from fraud.services import check_guests
    from guests.models import Guest
    from loyalty import rules
    from loyalty.services import CheckToApply, apply_checks
    from restaurants.models import Restaurant
    from tests.process_harness import create_webhook_chain, drop_chain, purge_queue

    scale = scale_name(requested_scale)
    guest_count, check_count = SIZES[scale]
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    tag = f"fraud{uuid.uuid4().hex[:6]}"
    chain = create_webhook_chain(slug=tag, guests=guest_count)
    rng = random.Random(11)
    checks_seconds = rules_seconds = 0.0
    try:
        with schema_context(chain.schema_name):
            restaurant = Restaurant.objects.get()
            guests = list(Guest.objects.order_by("id"))
            for start in range(0, check_count, BATCH):
                batch = [
                    CheckToApply(
                        guest=rng.choice(guests),
                        check=rules.Check(total_amount=Decimal(rng.randrange(300, 5000)), restaurant_id=restaurant.pk),
                        restaurant=restaurant,
                        idempotency_key=f"{tag}-{number}",
                    )
                    for number in range(start, min(start + BATCH, check_count))
                ]
                began = time.perf_counter()
                with transaction.atomic():
                    apply_checks(batch)
                checks_seconds += time.perf_counter() - began
                began = time.perf_counter()
                check_guests(guest_ids=[item.guest.pk for item in batch])
                rules_seconds += time.perf_counter() - began
    finally:
        connection.set_schema_to_public()
        drop_chain(chain)
        purge_queue(settings.TASK_QUEUE_BASE)  # what the checks queued after commit (this process's queues only)
    percent = rules_seconds / checks_seconds * 100 if checks_seconds else 0.0
    webhook_rate = _webhook_checks_per_s(scale)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    share = (rules_seconds / check_count) / (cores / webhook_rate) * 100 if webhook_rate else None
    results = [
        entry(
            "fraud_rules_vs_batch_writer_percent",
            percent,
            "%",
            baseline="target",
            baseline_value=10.0,
            scale=scale,
        ),
        entry(
            "fraud_rules_checks_per_s",
            check_count / rules_seconds if rules_seconds else 0.0,
            "checks/s",
            baseline="apply_checks_per_s",
            baseline_value=check_count / checks_seconds if checks_seconds else 0.0,
            scale=scale,
        ),
    ]
    if share is not None:
        results.append(
            entry("fraud_rules_cost_percent", share, "%", baseline="target", baseline_value=10.0, scale=scale)
        )
    print_table(
        f"Fraud rules beside the checks ({scale}: {check_count} checks, {guest_count} guests)",
        [
            ["checks written (apply_checks)", f"{checks_seconds:.2f} s"],
            ["per-guest rules (check_guests)", f"{rules_seconds:.2f} s"],
            ["rules beside the batch writer alone", f"{percent:.1f} %"],
            [
                "rules beside the whole webhook path",
                "no webhook result in this run" if share is None else f"{share:.1f} % (target ≤ 10 %)",
            ],
        ],
    )
    append_results(results)
    return results


if __name__ == "__main__":
    run()
