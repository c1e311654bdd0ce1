"""Automation benchmark: the welcome automation (with a bonus) written to many new guests at once, per second.

One chain (slug `benchauto`, reused by later runs) gets the scale's new guests, COPYed in (bench.loyalty_core.
seed_guests), given an address and email consent in one UPDATE; quiet hours are off (an arrangement: from the run
on, the path is the product's). Measured in the same run, on the same guests' kind of work:
- automation_one_guest_at_a_time_per_s (the baseline): a sample of the due guests written one batch of one each
  (one transaction per guest: the shape of the per-guest runner the set-based one replaced);
- automation_guests_per_s: automations.runners.run_automation over the rest (a batch of BATCH_SIZE guests per
  transaction: the claim, the bonuses, the messages and the log in a fixed number of statements per batch).
Both count up to the messages queued for delivery (their deliveries, campaign-speed already, are bench.campaign's):
the run's Celery queues are its own (CELERY_QUEUE) and purged at the end. Results are appended to
bench/out/results.json. Alone: `python -m bench automation`; small scale by default here (BENCH_SCALE=full for 20,000
guests).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from bench.loyalty_core import bench_chain
from bench.results import append_results, entry, print_table, setup_django

SLUG = "benchauto"
BONUS_POINTS = 50


@dataclass(frozen=True)
class Scale:
    name: str
    guests: int  # new guests the welcome automation is due for
    one_at_a_time: int  # of them, written one by one for the baseline


SCALES = {
    "small": Scale("small", guests=2_000, one_at_a_time=200),
    "full": Scale("full", guests=20_000, one_at_a_time=1_000),
}


def _prepare(chain: Any, guests: int) -> None:
    """`guests` new guests reachable by email; the welcome automation on with a bonus; quiet hours off."""
    from django.db import connection
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat
    from django.utils import timezone

    from accounts.models import User
    from automations.services import update_automation
    from bench.loyalty_core import seed_guests
    from guests.models import Guest
    from messaging.services import update_messaging_settings

    owner = User.objects.get(email=f"owner@{SLUG}.test")
    update_messaging_settings(actor=owner, quiet_hours_start=None, quiet_hours_end=None)
    update_automation(actor=owner, kind="welcome", is_enabled=True, channels=["email"], bonus_points=BONUS_POINTS)
    seed_guests(Guest.objects.count() + guests)
    Guest.objects.filter(email="").update(
        email=Concat(Value("guest"), Cast("id", CharField()), Value(f"@{SLUG}.test")),
        email_consent_at=timezone.now(),
        created_at=timezone.now(),
    )
    with connection.cursor() as cursor:
        # As autovacuum would have by now: the send log of earlier runs (stale statistics make the selectors'
        # NOT EXISTS a nested loop over the whole log).
        cursor.execute("ANALYZE guests_guest")
        cursor.execute("ANALYZE automations_automationsend")


def _purge_deliveries() -> None:
    """The queued deliveries of this run (its own queues: nobody consumes them)."""
    from django.conf import settings

    from maxloyalty.celery import app

    with app.connection_for_write() as connection:
        for queue in settings.TASK_QUEUES:
            connection.default_channel.queue_purge(queue)


def _measure(scale: Scale) -> tuple[float, float, int]:
    """(guests/s one at a time, guests/s set-based, guests written set-based)."""
    from django.utils import timezone

    from automations.runners import _due, _write_batch, run_automation
    from automations.selectors import automations
    from loyalty.selectors import program_context

    now = timezone.now()
    row, context = automations()["welcome"], program_context()
    sample: list[Any] = []
    for batch in _due(row, context, now):  # the first due guests, read as the runner reads them
        sample.extend(batch[: scale.one_at_a_time - len(sample)])
        if len(sample) == scale.one_at_a_time:
            break
    began = time.perf_counter()
    alone = sum(_write_batch(row, [due], context, now) for due in sample)
    one_at_a_time = alone / (time.perf_counter() - began)
    began = time.perf_counter()
    written = run_automation(kind="welcome", now=now)
    set_based = written / (time.perf_counter() - began)
    return one_at_a_time, set_based, written


def run(requested_scale: str | None = None) -> list[dict[str, Any]]:
    os.environ["CELERY_QUEUE"] = f"bench-automation-{os.getpid()}"
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.utils import schema_context

    name = requested_scale or os.environ.get("BENCH_SCALE", "small")
    scale = SCALES[name]
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    chain = bench_chain(SLUG, "Bench automations")
    call_command("migrate_schemas", schema_name=chain.schema_name, interactive=False, verbosity=0)  # a reused chain
    try:
        with schema_context(chain.schema_name):
            _prepare(chain, scale.guests)
            one_at_a_time, set_based, written = _measure(scale)
    finally:
        connection.set_schema_to_public()
        _purge_deliveries()
    if written + scale.one_at_a_time < scale.guests:
        raise RuntimeError(f"the automation wrote to {written:,} guests of {scale.guests:,}")
    results = [
        entry(
            "automation_guests_per_s",
            set_based,
            "guests/s",
            baseline="automation_one_guest_at_a_time_per_s",
            baseline_value=one_at_a_time,
            scale=scale.name,
        )
    ]
    print_table(
        f"Automation ({scale.name}: welcome with a {BONUS_POINTS}-point bonus, by email, to {scale.guests:,} new guests)",
        [
            ("one guest at a time", f"{one_at_a_time:,.0f} guests/s", f"{scale.one_at_a_time:,} guests"),
            ("set-based run", f"{set_based:,.0f} guests/s", f"{written:,} guests"),
        ],
        header=("path", "value", "detail"),
    )
    append_results(results)
    return results


if __name__ == "__main__":
    run()
