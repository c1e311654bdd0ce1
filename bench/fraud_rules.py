"""Fraud rules benchmark: webhook throughput with the per-guest fraud checks on and off, side by side (issue #27: the
checks may cost at most 10 % of it).

The stack of bench.webhook (gunicorn, one Celery worker on every workload's queue, Redis, PostgreSQL) serves one
fresh chain; 16 senders post signed checks for a fixed time per phase. Phases run off, on, on, off (the chain's
FraudSettings.is_enabled switched between them), so a steady drift of a shared host, or of the tables' size, weighs
on both sides alike. In each phase:
- the webhooks acknowledged (202) and the time from the first send until everything they set off is done: the
  receipts processed (the drain writes the points) and the Celery queues empty with nothing in flight (with the
  rules on, that includes fraud.tasks.check_guests_task, which fraud.signals queues for the guests of the drain's
  batches, coalesced, GUEST_CHECK_DELAY_SECONDS after the first, and the alerts of any flag raised). That time is
  polled every POLL_SECONDS.
- checks/s = acknowledged / that time.
The rules off still queue their task (it returns at once): what is compared is the rules' own work.
fraud_rules_cost_percent = (1 − checks/s on ÷ checks/s off) × 100 over the phases together (target ≤ 10).
The thresholds of the velocity and same-amount rules are raised for the run (COMPRESSED_TRAFFIC: its traffic
would otherwise flag nearly every guest); the flags raised are counted and printed.
Run alone with `python -m bench.fraud_rules`; BENCH_SCALE=small is a quick run.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

from bench.results import append_results, entry, print_table, scale_name, setup_django
from bench.webhook import CONCURRENCY, WebhookStack, pending_receipts, webhook_stack

POLL_SECONDS = 0.05
# The worker's wait before the coalesced per-guest rules run (fraud.services.note_checked_guests): short here, as
# the phase's time runs until that last task is done and the wait itself costs no machine time.
GUEST_CHECK_DELAY_SECONDS = "0.5"
# The run packs a few checks of each guest into a minute (thousands of checks/s over a few thousand guests): at the
# default thresholds (4 checks an hour, the same amount 3 times) nearly every guest would be flagged, which no real
# chain sees. Raised so that the rules read and weigh the same facts and flag as rarely as in life.
COMPRESSED_TRAFFIC = {"max_checks_per_hour": 1000, "same_amount_repeats": 1000}


@dataclass(frozen=True)
class Scale:
    name: str
    seconds: float  # per phase; four phases
    guests: int


SCALES = {"small": Scale("small", seconds=5, guests=3_000), "full": Scale("full", seconds=15, guests=20_000)}


@dataclass
class Phase:
    is_on: bool
    acknowledged: int
    seconds: float  # until everything was done
    processed_seconds: float  # until the checks were processed (the points written)
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.acknowledged / self.seconds if self.seconds else 0.0


def _set_rules(schema: str, *, is_on: bool) -> None:
    from django_tenants.utils import schema_context

    from fraud.models import FraudSettings

    with schema_context(schema):  # the benchmark's own chain: its settings row, written directly
        FraudSettings.objects.update_or_create(pk=1, defaults={"is_enabled": is_on, **COMPRESSED_TRAFFIC})


def _queues_busy(queue: str) -> int:
    """Messages waiting in this run's queues, or taken by the worker and not yet acknowledged (acks_late)."""
    from django_redis import get_redis_connection

    from maxloyalty.task_routes import queue_names

    redis = get_redis_connection("platform")
    names = set(queue_names(queue))
    waiting = sum(int(redis.llen(name)) for name in names)
    in_flight = 0
    for raw in redis.hvals("unacked"):
        try:
            _message, _exchange, routing_key = json.loads(raw)
        except (ValueError, TypeError):
            continue
        in_flight += routing_key in names
    return waiting + in_flight


def _wait_until_done(stack: WebhookStack, *, deadline_seconds: float) -> float:
    """Wait until the checks are processed and the queues idle; returns when the checks were processed (monotonic)."""
    deadline = time.monotonic() + deadline_seconds
    processed_at = None
    while time.monotonic() < deadline:
        if processed_at is None and not pending_receipts(stack.chain.schema_name):
            processed_at = time.monotonic()
        if processed_at is not None and not _queues_busy(stack.queue):
            return processed_at
        time.sleep(POLL_SECONDS)
    raise RuntimeError("the checks and their tasks were not done when the benchmark gave up waiting")


def _phase(stack: WebhookStack, *, is_on: bool, number: int, scale: Scale) -> Phase:
    from bench.http_load import run_load
    from bench.results import percentile

    _set_rules(stack.chain.schema_name, is_on=is_on)
    requests = stack.prepared_webhooks(f"F{number}", per_sender=int(scale.seconds * 1500 / CONCURRENCY))
    began = time.monotonic()
    load = run_load(port=stack.port, make_request=requests, concurrency=CONCURRENCY, seconds=scale.seconds)
    processed_at = _wait_until_done(stack, deadline_seconds=max(120.0, scale.seconds * 10))
    return Phase(
        is_on=is_on,
        acknowledged=load.statuses.get(202, 0),
        seconds=max(time.monotonic() - began, load.seconds),
        processed_seconds=processed_at - began,
        p99_ms=percentile(load.latencies_ms, 0.99),
    )


def _flags(schema: str) -> dict[str, int]:
    from django.db.models import Count
    from django_tenants.utils import schema_context

    from fraud.models import FraudFlag

    with schema_context(schema):
        return dict(FraudFlag.objects.values_list("rule").annotate(n=Count("id")).values_list("rule", "n"))


def run(requested_scale: str | None = None) -> list[dict[str, Any]]:
    setup_django()
    from bench.http_load import run_load

    scale = SCALES[scale_name(requested_scale)]
    workers = int(os.environ.get("BENCH_GUNICORN_WORKERS", "2"))
    threads = int(os.environ.get("BENCH_GUNICORN_THREADS", "8"))
    with webhook_stack(f"benchfr{os.getpid()}", guests=scale.guests) as stack:
        stack.env["FRAUD_GUEST_CHECK_DELAY_SECONDS"] = GUEST_CHECK_DELAY_SECONDS
        servers = (
            stack.gunicorn(workers=workers, threads=threads, log="fraud-gunicorn.log"),
            stack.celery(name="worker", log="fraud-celery.log"),
        )
        with servers[0], servers[1]:
            stack.wait_until_serving()
            # Warm the path (connections, program cache, the worker's pool) with the rules on, outside the phases.
            _set_rules(stack.chain.schema_name, is_on=True)
            run_load(
                port=stack.port, make_request=lambda s, n: stack.signed_webhook("W", s, n), concurrency=4, seconds=1
            )
            _wait_until_done(stack, deadline_seconds=60)
            phases = [
                _phase(stack, is_on=is_on, number=number, scale=scale)
                for number, is_on in enumerate((False, True, True, False))
            ]
            flags = _flags(stack.chain.schema_name)
    on = [phase for phase in phases if phase.is_on]
    off = [phase for phase in phases if not phase.is_on]
    rate_on = sum(phase.acknowledged for phase in on) / sum(phase.seconds for phase in on)
    rate_off = sum(phase.acknowledged for phase in off) / sum(phase.seconds for phase in off)
    cost = (1 - rate_on / rate_off) * 100 if rate_off else 0.0
    results = [
        entry(
            "webhook_checks_per_s_fraud_on",
            rate_on,
            "checks/s",
            baseline="webhook_checks_per_s_fraud_off",
            baseline_value=rate_off,
            scale=scale.name,
        ),
        entry("fraud_rules_cost_percent", cost, "%", baseline="target", baseline_value=10.0, scale=scale.name),
    ]
    print_table(
        f"Webhook with the fraud rules off and on ({scale.name}: 4 phases of {scale.seconds:.0f} s, {CONCURRENCY} "
        f"senders, {scale.guests} guests, gunicorn {workers}×{threads}, one Celery worker)",
        [
            *(
                (
                    f"phase {number + 1}, rules {'on' if phase.is_on else 'off'}",
                    f"{phase.per_second:,.0f} checks/s",
                    f"{phase.acknowledged} acknowledged, processed in {phase.processed_seconds:.2f} s, all done in "
                    f"{phase.seconds:.2f} s, ack p99 {phase.p99_ms:.1f} ms",
                )
                for number, phase in enumerate(phases)
            ),
            ("rules off", f"{rate_off:,.0f} checks/s", "phases 1 and 4"),
            ("rules on", f"{rate_on:,.0f} checks/s", "phases 2 and 3"),
            ("on ÷ off", f"{rate_on / rate_off:.3f}" if rate_off else "-", f"cost {cost:.1f} % (target ≤ 10 %)"),
            ("flags raised", str(sum(flags.values())), ", ".join(f"{rule} {n}" for rule, n in sorted(flags.items()))),
        ],
        header=("measure", "value", "detail"),
    )
    append_results(results)
    return results


if __name__ == "__main__":
    run()
