"""Every task goes to its workload's queue (maxloyalty.task_routes), and every queue is named from the base.

A task no row of TASK_WORKLOADS names would go to the maintenance queue by accident: the first test lists such tasks
by name. The queues are read as Celery's own router picks them, beat's fan-outs travel on their target's queue,
and the queue-length gauge reports each workload's queue.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from maxloyalty.celery import app
from maxloyalty.task_routes import TASK_WORKLOADS, WORKLOADS, queue_names
from observability.tests.test_business_metrics import scrape, value

CELERY_OWN_TASKS = "celery."  # chords, chains, backend clean-up: Celery's machinery, on the default queue


def registered_project_tasks() -> set[str]:
    """The tasks a worker registers: every installed app's tasks module, imported as a worker does at start. Tasks
    that test modules define for themselves (tenants/tests/test_chain_fanout.py) are left out: whether they are
    registered depends on which tests ran before."""
    app.loader.import_default_modules()
    return {
        name
        for name, task in app.tasks.items()
        if not name.startswith(CELERY_OWN_TASKS) and "tests" not in task.__module__.split(".")
    }


def routing_problems(registered: set[str], table: dict[str, str]) -> list[str]:
    """What is wrong between the registered tasks and the table (an empty list: nothing)."""
    problems = [
        f"{name}: no workload; add it to TASK_WORKLOADS in maxloyalty/task_routes.py ({', '.join(WORKLOADS)})"
        for name in sorted(registered - set(table))
    ]
    problems += [f"{name}: in TASK_WORKLOADS but no task has this name" for name in sorted(set(table) - registered)]
    problems += [f"{name}: unknown workload {table[name]!r}" for name in sorted(table) if table[name] not in WORKLOADS]
    return problems


def routed_queue(task_name: str) -> str:
    """The queue Celery's router sends `task_name` to (as apply_async and send_task do)."""
    return str(app.amqp.router.route({}, task_name)["queue"].name)


def test_every_registered_task_has_a_workload() -> None:
    assert routing_problems(registered_project_tasks(), TASK_WORKLOADS) == []


def test_a_task_without_a_workload_is_named_by_the_check() -> None:
    table = {name: workload for name, workload in TASK_WORKLOADS.items() if name != "pos.tasks.drain_receipts"}
    table["pos.tasks.gone"] = "pos"
    table["analytics.tasks.roll_up_daily_stats"] = "reports"

    assert routing_problems(registered_project_tasks(), table) == [
        "pos.tasks.drain_receipts: no workload; add it to TASK_WORKLOADS in maxloyalty/task_routes.py "
        "(pos, messaging, billing, analytics, maintenance)",
        "pos.tasks.gone: in TASK_WORKLOADS but no task has this name",
        "analytics.tasks.roll_up_daily_stats: unknown workload 'reports'",
    ]


@pytest.mark.parametrize(
    ("task_name", "suffix"),
    [
        ("pos.tasks.drain_receipts", ".pos"),
        ("pos.tasks.sync_pos_connection", ".pos"),
        ("telegram_bot.tasks.send_delivery", ".messaging"),
        ("telegram_bot.tasks.start_broadcast", ".messaging"),
        ("analytics.tasks.roll_up_daily_stats", ".analytics"),
        ("billing.tasks.charge_yookassa_renewal", ".billing"),
        ("guests.tasks.import_guests_job", ""),
        ("celery.chord_unlock", ""),
    ],
)
def test_each_task_goes_to_its_workloads_queue_under_the_base(task_name: str, suffix: str) -> None:
    assert routed_queue(task_name) == f"{settings.TASK_QUEUE_BASE}{suffix}"


def test_every_queue_is_named_from_the_base() -> None:
    """Two test runs (or deployments) with different CELERY_QUEUE never share a queue."""
    ours, theirs = queue_names("run-a-tasks"), queue_names("run-b-tasks")
    assert ours == [f"run-a-tasks{suffix}" for suffix in (".pos", ".messaging", ".billing", ".analytics", "")]
    assert not set(ours) & set(theirs)
    base = settings.TASK_QUEUE_BASE
    assert (queue_names(base), base) == (settings.TASK_QUEUES, settings.CELERY_TASK_DEFAULT_QUEUE)


def test_beat_fans_out_on_the_queue_of_the_task_it_fans_out() -> None:
    """A long analytics roll-up or guest import on the background worker never holds up the POS tick."""
    fan_outs = {
        entry["args"][0]: entry["options"]["queue"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "tenants.tasks.run_in_every_chain"
    }
    assert fan_outs["pos.tasks.pos_chain_tick"] == f"{settings.TASK_QUEUE_BASE}.pos"
    assert fan_outs["telegram_bot.tasks.telegram_chain_tick"] == f"{settings.TASK_QUEUE_BASE}.messaging"
    assert all(queue == routed_queue(task_name) for task_name, queue in fan_outs.items())


@pytest.mark.filterwarnings("ignore:task_always_eager has no effect on send_task")
def test_the_queue_length_gauge_reports_every_workload_queue(db: None) -> None:
    queue = f"{settings.TASK_QUEUE_BASE}.pos"
    before = scrape()
    app.send_task("pos.tasks.drain_receipts")  # routed, not eager: it waits in Redis
    after = scrape()
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)

    name = "maxloyalty_celery_queue_length"
    assert {labels for sample, labels in after if sample == name} >= {(("queue", q),) for q in settings.TASK_QUEUES}
    assert value(after, name, queue=queue) - value(before, name, queue=queue) == 1


def test_a_worker_started_without_queues_consumes_every_queue() -> None:
    """A plain `celery -A maxloyalty worker` (an old compose file, a quick manual run) leaves no task unconsumed."""
    assert sorted(app.amqp.queues.consume_from) == sorted(settings.TASK_QUEUES)
