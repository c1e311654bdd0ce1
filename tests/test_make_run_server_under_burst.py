"""`make run`'s web server (maxloyalty.devserver: gunicorn gthread with auto-reload) under a POS burst: 32 senders
for a minute get no 5xx, and the database connections it opens stay within its processes × threads."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest
from django.db import connection

from maxloyalty import devserver
from tests.process_harness import (
    create_webhook_chain,
    delete_redis_keys,
    drop_chain,
    free_port,
    process_env,
    running,
    sample_check,
    signed_request,
    wait_until_serving,
)

pytestmark = pytest.mark.processes

LOGS = Path(__file__).resolve().parent.parent / "test-artifacts" / "make-run-burst"
SENDERS, SECONDS = 32, 60  # the burst: at least 32 concurrent senders for a minute


def test_the_module_sets_up_the_test_database(db):
    """Makes pytest-django set up the test database when this module runs on its own."""
    assert connection.vendor == "postgresql"


@pytest.fixture
def served(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[dict]:
    tag = f"burst{os.getpid()}"
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        chain = create_webhook_chain(slug=tag, guests=20)
        env = process_env(database_name=connection.settings_dict["NAME"], queue=f"q-{tag}", cache_prefix=tag)
        database = connection.settings_dict["NAME"]
    port = free_port()
    command = devserver._web_command(str(port))
    try:
        with running(command, env=env, log=LOGS / "gunicorn.log"):
            wait_until_serving(f"http://127.0.0.1:{port}", chain.host)
            yield {"chain": chain, "base_url": f"http://127.0.0.1:{port}", "database": database}
    finally:
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            drop_chain(chain)
            delete_redis_keys(tag)


def _connections_to(database: str, samples: list[int], stop: threading.Event) -> None:
    wanted = {"host", "port", "user", "password", "options"}
    params = {key: value for key, value in connection.get_connection_params().items() if key in wanted}
    with psycopg.connect(**params, dbname=database, autocommit=True) as watcher:
        while not stop.is_set():
            query = "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
            samples.append(watcher.execute(query, [database]).fetchone()[0])
            time.sleep(0.2)


def test_a_burst_of_32_senders_gets_no_5xx_and_connections_stay_bounded(served, django_db_blocker):
    chain = served["chain"]
    samples: list[int] = []
    stop = threading.Event()
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        watcher = threading.Thread(target=_connections_to, args=(served["database"], samples, stop))
        watcher.start()
    statuses: Counter[int] = Counter()
    until = time.monotonic() + SECONDS

    def sender(number: int) -> None:
        with httpx.Client(base_url=served["base_url"], timeout=30) as client:
            sent = 0
            while time.monotonic() < until:
                check = sample_check(f"B-{number}-{sent}", phone=chain.guest_phones[sent % len(chain.guest_phones)])
                body, headers = signed_request(chain.secret, check)
                path = f"/api/v1/pos/webhooks/{chain.connection_id}"
                statuses[client.post(path, content=body, headers={**headers, "Host": chain.host}).status_code] += 1
                sent += 1

    try:
        with ThreadPoolExecutor(SENDERS) as pool:
            list(pool.map(sender, range(SENDERS)))
    finally:
        stop.set()
        watcher.join()

    assert set(statuses) == {202}, statuses
    assert sum(statuses.values()) > SENDERS * 5
    bound = int(devserver.DEV_WEB_PROCESSES) * int(devserver.DEV_WEB_THREADS)
    assert max(samples) <= bound + 2, (max(samples), bound)  # + the test's own connections
