"""Beat's dispatcher ticks every chain; a tick polls the connections whose interval has passed and drains receipts."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from pos import tasks
from pos.models import PosConnection
from pos.selectors import due_connections
from pos.services import create_connection
from pos.tests.conftest import check_payload, receipt


def _polled(alpha, **fields):
    pos_connection, _ = create_connection(
        actor=alpha.user("owner"),
        restaurant=alpha.restaurants[0],
        kind="iiko",
        external_organization_id="org",
        credentials={"api_login": "x"},
    )
    PosConnection.objects.filter(pk=pos_connection.pk).update(**fields)
    return pos_connection


def test_hourly_by_default_and_due_when_the_interval_has_passed(alpha):
    now = timezone.now()
    never = _polled(alpha)
    recent = _polled(alpha, last_synced_at=now - timedelta(minutes=59))
    stale = _polled(alpha, last_synced_at=now - timedelta(minutes=61))
    fast = _polled(alpha, last_synced_at=now - timedelta(minutes=6), poll_interval_minutes=5)
    _polled(alpha, status="paused")
    assert recent.poll_interval_minutes == 60
    assert {c.pk for c in due_connections(now)} == {never.pk, stale.pk, fast.pk}


def test_a_failed_attempt_waits_for_the_next_interval(alpha):
    now = timezone.now()
    failed = _polled(alpha, last_synced_at=now - timedelta(hours=5), last_error_at=now - timedelta(minutes=10))
    assert failed.pk not in {c.pk for c in due_connections(now)}


def test_webhook_connections_are_never_polled(alpha, webhook):
    assert webhook.connection.pk not in {c.pk for c in due_connections()}


def test_the_chain_tick_processes_receipts_left_pending(webhook, guest):
    webhook.post(check_payload("T-1", guest=guest))  # its after-commit drain never ran (test transaction)
    assert receipt("T-1").status == "received"
    tasks.pos_chain_tick.delay()
    assert receipt("T-1").status == "processed"


def test_beat_ticks_every_chain_through_the_one_fan_out(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["pos-tick"]
    assert entry["task"] == "tenants.tasks.run_in_every_chain"
    assert entry["args"] == ["pos.tasks.pos_chain_tick"]
    assert entry["schedule"] == 60.0


def test_rejected_attempts_and_sync_runs_past_the_retention_are_purged(webhook, alpha):
    from pos.models import RejectedAttempt, SyncRun
    from pos.services import purge_old_history

    webhook.post(check_payload("OLD-1"), secret="whsec_bad")
    webhook.post(check_payload("NEW-1"), headers={})  # another reason: a row of its own (rows count per minute)
    RejectedAttempt.objects.filter(pk=RejectedAttempt.objects.order_by("id").first().pk).update(
        received_at=timezone.now() - timedelta(days=91)
    )
    SyncRun.objects.create(connection=webhook.connection, started_at=timezone.now() - timedelta(days=91))
    SyncRun.objects.create(connection=webhook.connection)
    assert purge_old_history(days=90) == (1, 1)
    assert RejectedAttempt.objects.count() == 1
    assert SyncRun.objects.count() == 1


def test_pos_history_is_purged_by_a_nightly_job_per_chain(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["pos-history-purge"]
    assert (entry["task"], entry["args"]) == ("tenants.tasks.run_in_every_chain", ["pos.tasks.purge_pos_history"])
