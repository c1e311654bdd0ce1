"""A Celery worker whose idle database connections were cut (a database restart, an idle timeout) processes the
next check at once: the worker checks a connection before each task instead of failing the first task on it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.chaos.harness import terminate_backends
from tests.process_harness import (
    WebhookChain,
    celery_worker_command,
    create_webhook_chain,
    delete_redis_keys,
    drop_chain,
    free_port,
    gunicorn_command,
    process_env,
    purge_queue,
    running,
    sample_check,
    signed_request,
    wait_until_serving,
)

pytestmark = pytest.mark.processes

LOGS = Path(__file__).resolve().parent.parent / "test-artifacts" / "stale-connections"


def test_the_module_sets_up_the_test_database(db):
    """Makes pytest-django set up the test database when this module runs on its own."""
    assert connection.vendor == "postgresql"


@pytest.fixture
def stack(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[dict]:
    tag, queue = f"stale{os.getpid()}", f"stale-{os.getpid()}"
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        chain = create_webhook_chain(slug=tag, guests=2)
        env = process_env(database_name=connection.settings_dict["NAME"], queue=queue, cache_prefix=tag)
        env["PGAPPNAME"] = tag  # the stack's database connections, which the test terminates
        database = connection.settings_dict["NAME"]
    port = free_port()
    worker_log = LOGS / "celery.log"
    try:
        with (
            running(gunicorn_command(port=port, workers=1, threads=2), env=env, log=LOGS / "gunicorn.log"),
            running(celery_worker_command(queue=queue, concurrency=1, name=tag), env=env, log=worker_log),
        ):
            wait_until_serving(f"http://127.0.0.1:{port}", chain.host)
            yield {
                "chain": chain,
                "base_url": f"http://127.0.0.1:{port}",
                "database": database,
                "log": worker_log,
                "tag": tag,
            }
    finally:
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            connection.close()
            drop_chain(chain)
            delete_redis_keys(tag)
            purge_queue(queue)


def _send_until_acknowledged(client: httpx.Client, chain: WebhookChain, external_id: str) -> None:
    body, headers = signed_request(chain.secret, sample_check(external_id, phone=chain.guest_phones[0]))
    for _attempt in range(10):  # the web's own connection was cut too: its first answer may be a 503
        response = client.post(
            f"/api/v1/pos/webhooks/{chain.connection_id}", content=body, headers={**headers, "Host": chain.host}
        )
        if response.status_code in {200, 202}:
            return
        time.sleep(0.3)
    raise AssertionError(response.status_code)


def _processed(chain: WebhookChain, external_id: str, django_db_blocker: pytest.FixtureRequest, within: float) -> bool:
    from pos.models import Receipt

    deadline = time.monotonic() + within
    with django_db_blocker.unblock(), schema_context(chain.schema_name):  # type: ignore[attr-defined]
        while time.monotonic() < deadline:
            if Receipt.objects.filter(external_id=external_id, status="processed").exists():
                return True
            time.sleep(0.2)
    return False


def test_the_first_task_after_the_connections_were_cut_succeeds(stack, django_db_blocker):
    chain = stack["chain"]
    with httpx.Client(base_url=stack["base_url"], timeout=30) as client:
        _send_until_acknowledged(client, chain, "STALE-1")
        assert _processed(chain, "STALE-1", django_db_blocker, within=30)  # the worker's connection is open now
        time.sleep(2)  # the drain has stopped lingering: the connection sits idle
        assert terminate_backends(stack["database"], stack["tag"]) > 0
        _send_until_acknowledged(client, chain, "STALE-2")
        # Well before beat's next tick or a retry: the drain this check queued did the work on a fresh connection.
        assert _processed(chain, "STALE-2", django_db_blocker, within=10)
    assert "raised unexpected" not in stack["log"].read_text()
