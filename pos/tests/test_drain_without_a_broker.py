"""Without a broker (Celery eager, development without Redis) a drain runs inside the webhook's request: it must
neither linger there nor let later webhooks count on a lingering drain, so every check is processed at once."""

from __future__ import annotations

from pos.services.receipts import draining
from pos.services.receipts.scheduling import _flag_seen_at, drain_linger_seconds
from pos.tests.conftest import check_payload, receipt


def test_eager_drains_do_not_linger_and_every_webhook_gets_its_check_processed(
    webhook, guest, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.POS_DRAIN_LINGER_SECONDS = 1.0
    _flag_seen_at.clear()
    assert drain_linger_seconds() == 0.0
    waits: list[float] = []
    monkeypatch.setattr(draining.time, "sleep", waits.append)  # record instead of waiting
    for number, closed_at in enumerate(("2026-11-25T19:00:00+03:00", "2026-11-25T19:05:00+03:00")):
        with django_capture_on_commit_callbacks(execute=True):
            response = webhook.post(check_payload(f"E-{number}", guest=guest, closed_at=closed_at))
        assert response.status_code == 202, response.content
    assert [receipt(f"E-{number}").status for number in range(2)] == ["processed", "processed"]
    assert waits == []  # no drain paced or lingered inside a request


def test_with_a_broker_the_linger_applies(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.POS_DRAIN_LINGER_SECONDS = 1.0
    assert drain_linger_seconds() == 1.0
