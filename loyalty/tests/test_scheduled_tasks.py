"""The scheduled loyalty jobs: beat's fan-out runs them in every chain's schema; the night jobs run at 3 a.m."""

import datetime
import zoneinfo

from django.conf import settings

from loyalty import tasks
from loyalty.models import EntryKind, LedgerEntry
from loyalty.selectors import program_context
from loyalty.services import accrue_points
from loyalty.services.ledger import expiry_for
from loyalty.tests.ledger_checks import balance_of
from maxloyalty.celery import app
from tenants.tasks import run_in_every_chain


def _old_lot(guest, points, days_ago):
    entry = accrue_points(guest=guest, points=points, kind=EntryKind.ACCRUAL, idempotency_key=f"old-{days_ago}")
    moved = entry.created_at - datetime.timedelta(days=days_ago)
    LedgerEntry.objects.filter(pk=entry.pk).update(
        created_at=moved, available_at=moved, expires_at=expiry_for(moved, program_context())
    )


def test_beat_runs_loyalty_jobs_through_the_one_fan_out():
    fanned_out = {
        entry["args"][0]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "tenants.tasks.run_in_every_chain"
    }
    assert {"loyalty.tasks.activate_pending_points_task", "loyalty.tasks.loyalty_night"} <= fanned_out
    assert "loyalty.tasks.activate_pending_points_task" in app.tasks
    assert "loyalty.tasks.loyalty_night" in app.tasks


def test_fan_out_expires_points_inside_the_chain(alpha, guest, program):
    program(expiry_days=30)
    _old_lot(guest, 80, days_ago=40)
    run_in_every_chain.delay("loyalty.tasks.expire_points_task")
    assert balance_of(guest) == (0, 0)
    assert LedgerEntry.objects.get(guest=guest, kind=EntryKind.EXPIRY).points == -80


def test_night_jobs_start_only_in_the_chains_night_hour(alpha, guest, program, monkeypatch):
    program(expiry_days=30)
    _old_lot(guest, 80, days_ago=40)
    zone = zoneinfo.ZoneInfo(alpha.chain.time_zone)
    monkeypatch.setattr(tasks, "local_now", lambda: datetime.datetime(2025, 5, 1, 14, 15, tzinfo=zone))
    assert tasks.loyalty_night.delay().get() == 0
    assert balance_of(guest) == (80, 0)
    monkeypatch.setattr(tasks, "local_now", lambda: datetime.datetime(2025, 5, 1, 3, 15, tzinfo=zone))
    assert tasks.loyalty_night.delay().get() == len(tasks.NIGHTLY_TASKS)
    assert balance_of(guest) == (0, 0)


def test_pending_points_task_makes_due_points_spendable(alpha, guest, program):
    program(activation_delay_hours=1)
    entry = accrue_points(guest=guest, points=40, kind=EntryKind.ACCRUAL, idempotency_key="a")
    LedgerEntry.objects.filter(pk=entry.pk).update(available_at=entry.available_at - datetime.timedelta(hours=2))
    tasks.activate_pending_points_task.delay()
    assert balance_of(guest) == (40, 0)
