"""/metrics shows what the business did, counted once where it happened: a check received (by POS kind and how it
came: a webhook, an iiko poll) and processed (by POS kind), the points it issued, a refused webhook by reason; the
receipt backlog and its age."""

from __future__ import annotations

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from pos.tests.conftest import (  # noqa: F401
    check_payload,
    guest,
    iiko_server,
    make_guest,
    process_everything,
    receipt,
    webhook,
)

Labels = dict[str, str]


def scrape() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = Client(HTTP_HOST="10.0.0.7").get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
    return float(samples.get((name, tuple(sorted(labels.items()))), 0.0))


def test_a_processed_webhook_check_counts_once_and_issues_its_points(
    webhook,  # noqa: F811
    guest,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    before = scrape()
    with django_capture_on_commit_callbacks(execute=False):  # no drain queued: the check waits in the backlog
        assert webhook.post(check_payload("M-1", guest=guest)).status_code == 202
    waiting = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        assert process_everything() == 1
    after = scrape()

    earned = receipt("M-1").points_earned
    assert earned > 0
    received = "maxloyalty_pos_checks_received_total"
    by_kind = {"pos_kind": "webhook", "source": "webhook"}
    assert value(after, received, **by_kind) - value(before, received, **by_kind) == 1
    assert value(waiting, "maxloyalty_pos_receipt_backlog") >= 1
    finished = "maxloyalty_pos_checks_total"
    labels = {"pos_kind": "webhook", "status": "processed"}
    assert value(after, finished, **labels) - value(before, finished, **labels) == 1
    points = "maxloyalty_ledger_points_total"
    issued = {"direction": "issued", "kind": "accrual"}
    assert value(after, points, **issued) - value(before, points, **issued) == earned
    requests = "maxloyalty_http_request_duration_seconds_count"
    webhook_view = {"view": "pos-api:webhook-receive", "method": "POST", "status": "202"}
    assert value(after, requests, **webhook_view) - value(before, requests, **webhook_view) == 1
    assert value(after, "maxloyalty_db_query_duration_seconds_count", alias="default") > value(
        before, "maxloyalty_db_query_duration_seconds_count", alias="default"
    )


def test_a_polled_iiko_check_counts_as_received_by_kind_and_source(alpha, iiko_server):  # noqa: F811
    from pos.services import create_connection, sync_connection
    from pos.tests.test_iiko_polling import _delivery

    url, state = iiko_server
    pos_connection, _issued = create_connection(
        actor=alpha.user("owner"),
        restaurant=alpha.restaurants[0],
        kind="iiko",
        external_organization_id=state.organization_id,
        api_base_url=url,
        credentials={"api_login": "good-login"},
    )
    _delivery(state, hours_ago=2)
    _delivery(state, hours_ago=1)
    name = "maxloyalty_pos_checks_received_total"
    before = scrape()

    sync_connection(connection_id=pos_connection.pk)
    sync_connection(connection_id=pos_connection.pk)  # nothing new: nothing counted again
    after = scrape()

    polled, not_webhook = {"pos_kind": "iiko", "source": "pull"}, {"pos_kind": "webhook", "source": "pull"}
    assert value(after, name, **polled) - value(before, name, **polled) == 2
    assert value(after, name, **not_webhook) == value(before, name, **not_webhook)


def test_a_refused_webhook_counts_by_reason(webhook):  # noqa: F811
    name = "maxloyalty_pos_rejected_attempts_total"
    before = value(scrape(), name, endpoint="webhook", reason="signature_invalid")

    assert webhook.post(check_payload("M-2"), secret="whsec_not-the-right-one").status_code == 401

    assert value(scrape(), name, endpoint="webhook", reason="signature_invalid") - before == 1


def test_cache_reads_count_as_hits_and_misses(db):
    from django.core.cache import caches

    cache = caches["platform"]
    name = "maxloyalty_cache_reads_total"
    before = scrape()

    cache.get("metrics-test-absent")
    cache.set("metrics-test-present", 1)
    cache.get("metrics-test-present")
    cache.get_many(["metrics-test-present", "metrics-test-absent"])
    after = scrape()

    assert value(after, name, cache="platform", result="hit") - value(before, name, cache="platform", result="hit") == 2
    assert (
        value(after, name, cache="platform", result="miss") - value(before, name, cache="platform", result="miss") == 2
    )


@pytest.mark.filterwarnings("ignore:task_always_eager has no effect on send_task")
def test_the_celery_queue_length_is_read_from_the_broker_when_scraped(db, settings):
    from maxloyalty.celery import app

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    before = value(scrape(), "maxloyalty_celery_queue_length", queue=queue)
    app.send_task("tenants.tasks.purge_expired_signups", queue=queue)  # not eager: it waits in Redis
    waiting = value(scrape(), "maxloyalty_celery_queue_length", queue=queue)
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)

    assert waiting - before == 1
