"""Celery tasks of automations, in the chain's schema (beat → tenants.tasks.run_in_every_chain → these): a few lines
each, calling automations.runners."""

from __future__ import annotations

from celery import shared_task

from automations.runners import run_daily_automations, run_event_automations
from loyalty.selectors import local_now

DAY_HOUR = 10  # chain-local hour of the day's automations: after the quiet hours, before lunch


@shared_task(acks_late=True)
def run_event_automations_task() -> int:
    """Every few minutes: welcome, first visit, level up."""
    return run_event_automations()


@shared_task(acks_late=True)
def automations_day(*, force: bool = False) -> int:
    """Hourly; in the chain's DAY_HOUR: reminders, win-back, birthdays, expiring points, levels at risk."""
    if not force and local_now().hour != DAY_HOUR:
        return 0
    return run_daily_automations()
