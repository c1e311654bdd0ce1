"""Celery work of the analytics app (beat fans it out per chain through tenants.tasks.run_in_every_chain)."""

from celery import shared_task

from analytics import liability_snapshots
from analytics.rollups import roll_up_chain


@shared_task
def roll_up_daily_stats() -> int:
    return roll_up_chain()


@shared_task
def refresh_liability_snapshot(*, lock_token: str | None = None) -> float | None:
    snapshot = liability_snapshots.refresh_liability_snapshot(lock_token=lock_token)
    return snapshot.seconds if snapshot is not None else None
