"""Scheduled loyalty work, one chain at a time (beat → tenants.tasks.run_in_every_chain → these, in the schema).

- activate_pending_points_task: every few minutes, pending points whose delay has passed become spendable;
- publish_due_drafts_task: every minute, program drafts scheduled for a moment that has come are published;
- run_backtest_task: one backtest of a program draft, queued by loyalty.services.start_backtest;
- loyalty_night: hourly; in the hour after NIGHT_HOUR (chain time) it queues the nightly jobs below.
Each job is safe to run twice: the services write every entry under a key that makes a repeat a no-op. Warning
guests of expiring points, and greeting them on their birthday, is the automations' (automations.runners).
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from loyalty import services
from loyalty.selectors import chain_today, local_now

NIGHT_HOUR = 3  # chain-local hour of the nightly run: after the day's last checks, before the first ones


@shared_task
def activate_pending_points_task() -> int:
    return services.activate_pending_points(now=timezone.now())


@shared_task
def expire_points_task() -> int:
    return services.expire_points(today=chain_today())


@shared_task
def grant_birthday_bonuses_task() -> int:
    return services.grant_birthday_bonuses(today=chain_today())


@shared_task
def reevaluate_levels_task() -> int:
    return services.reevaluate_levels(today=chain_today())


NIGHTLY_TASKS = (expire_points_task, grant_birthday_bonuses_task, reevaluate_levels_task)


@shared_task
def loyalty_night(*, force: bool = False) -> int:
    """Queue the nightly jobs in this chain (its schema travels with them) when it is the chain's night hour."""
    if not force and local_now().hour != NIGHT_HOUR:
        return 0
    for task in NIGHTLY_TASKS:
        task.delay()
    return len(NIGHTLY_TASKS)


@shared_task
def publish_due_drafts_task() -> int:
    return services.publish_due_drafts(now=timezone.now())


@shared_task(acks_late=True)
def run_backtest_task(backtest_id: int) -> None:
    services.run_backtest(backtest_id=backtest_id)
