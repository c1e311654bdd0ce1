"""Celery work of the analytics app (beat fans it out per chain through tenants.tasks.run_in_every_chain)."""

import datetime as dt

from celery import shared_task

from analytics import figure_snapshots, liability_snapshots
from analytics.rollups import roll_up_chain


@shared_task
def roll_up_daily_stats() -> int:
    return roll_up_chain()


@shared_task
def refresh_liability_snapshot(*, lock_token: str | None = None) -> float | None:
    snapshot = liability_snapshots.refresh_liability_snapshot(lock_token=lock_token)
    return snapshot.seconds if snapshot is not None else None


@shared_task
def refresh_figures(*, kind: str, start: str, end: str, restaurant_ids: list[int] | None, lock_token: str) -> float:
    figures = figure_snapshots.refresh_figures(
        kind=kind,
        start=dt.date.fromisoformat(start),
        end=dt.date.fromisoformat(end),
        restaurant_ids=restaurant_ids,
        lock_token=lock_token,
    )
    return figures.computed_at.timestamp()
