"""Without Redis, make run's stack (gunicorn, a Celery worker with beat) still runs retried work: the queue and the
cache live in PostgreSQL, so a refund that arrives before its sale is applied once the sale is."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django_tenants.utils import schema_context

from tests.process_harness import (
    WebhookChain,
    celery_worker_command,
    create_webhook_chain,
    drop_chain,
    free_port,
    gunicorn_command,
    process_env,
    running,
    sample_check,
    signed_request,
    wait_until_serving,
)

pytestmark = pytest.mark.processes

LOGS = Path(__file__).resolve().parent.parent / "test-artifacts" / "redis-fallback"


def test_the_module_sets_up_the_test_database(db):
    """Makes pytest-django set up the test database when this module runs on its own."""
    from django.conf import settings

    assert settings.REDIS_FALLBACK is False  # the suite itself always runs on Redis


@pytest.fixture
def stack_without_redis(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[dict]:
    tag = f"noredis{os.getpid()}"
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        chain = create_webhook_chain(slug=tag, guests=2)
        call_command("create_fallback_cache_table")
        env = process_env(database_name=connection.settings_dict["NAME"], queue=f"q-{tag}", cache_prefix=tag)
    env.update(REDIS_URL="redis://127.0.0.1:1/0", REDIS_FALLBACK_ALLOWED="true")  # nothing listens on port 1
    env.pop("CELERY_BROKER_URL", None)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    worker = [*celery_worker_command(queue=f"q-{tag}", concurrency=1, name=tag), "--beat"]
    try:
        with (
            running(gunicorn_command(port=port, workers=1, threads=4), env=env, log=LOGS / "gunicorn.log"),
            running(worker, env=env, log=LOGS / "celery.log"),
        ):
            wait_until_serving(base_url, chain.host)
            yield {"chain": chain, "base_url": base_url}
    finally:
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            drop_chain(chain)


def _send(client: httpx.Client, chain: WebhookChain, payload: dict) -> int:
    body, headers = signed_request(chain.secret, payload)
    path = f"/api/v1/pos/webhooks/{chain.connection_id}"
    return client.post(path, content=body, headers={**headers, "Host": chain.host}).status_code


def test_a_refund_sent_before_its_sale_is_applied_once_the_sale_is(stack_without_redis, django_db_blocker):
    from loyalty.models import LedgerEntry, PointsAccount
    from pos.models import Receipt

    chain = stack_without_redis["chain"]
    sale = sample_check("NOREDIS-1", phone=chain.guest_phones[0], amount=2000)
    with httpx.Client(base_url=stack_without_redis["base_url"], timeout=30) as client:
        assert _send(client, chain, {"external_id": "NOREDIS-1", "status": "refunded"}) == 202
        time.sleep(1)  # the refund is tried first and finds no sale
        assert _send(client, chain, sale) == 202

    deadline = time.monotonic() + 120
    with django_db_blocker.unblock(), schema_context(chain.schema_name):  # type: ignore[attr-defined]
        while time.monotonic() < deadline:
            statuses = set(Receipt.objects.values_list("operation", "status", "outcome_reason"))
            if statuses == {("sale", "processed", ""), ("refund", "processed", "reversed")}:
                break
            time.sleep(0.5)
        assert statuses == {("sale", "processed", ""), ("refund", "processed", "reversed")}
        account = PointsAccount.objects.get(guest__phone=chain.guest_phones[0])
        ledger = LedgerEntry.objects.filter(guest__phone=chain.guest_phones[0], is_pending=False)
        assert account.available == (ledger.aggregate(total=Sum("points"))["total"] or 0) == 0
        assert ledger.filter(points__gt=0).exists()  # the sale did earn before the refund took it back
    connection.set_schema_to_public()
