"""gunicorn as deployed (two gthread workers, metrics in multiprocess mode) behind TCP proxies to PostgreSQL and
Redis: /readyz turns 503 naming the dependency that went away and 200 again when it returns, while /healthz keeps
answering; /metrics adds up the workers' values."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.db import connection

from tests.process_harness import free_port, gunicorn_command, process_env, running, wait_until_serving
from tests.tcp_proxy import TcpProxy
from tests.test_outages_answer_503 import _target, _through

pytestmark = pytest.mark.processes

LOGS = Path(__file__).resolve().parents[2] / "test-artifacts" / "readiness"
UNKNOWN_HOST = "10.0.0.7"  # a load balancer probes by address


@pytest.fixture(scope="module")  # one server for the module: each test restores what it cuts
def served(
    django_db_setup: None, django_db_blocker: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict]:
    tmp_path = tmp_path_factory.mktemp("readiness")
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        env = process_env(database_name=connection.settings_dict["NAME"], queue="q-readiness", cache_prefix="readiness")
    proxies = {
        "database": TcpProxy(_target(env["DATABASE_URL"], 5432)).start(),
        "redis": TcpProxy(_target(env["REDIS_URL"], 6379)).start(),
    }
    env["DATABASE_URL"] = _through(proxies["database"], env["DATABASE_URL"])
    env["REDIS_URL"] = _through(proxies["redis"], env["REDIS_URL"])
    env.pop("CELERY_BROKER_URL", None)  # the broker is the proxied Redis
    env["READINESS_CHECK_TIMEOUT_SECONDS"] = "1"
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    try:
        with running(gunicorn_command(port=port, workers=2, threads=2), env=env, log=LOGS / "gunicorn.log"):
            wait_until_serving(base_url, UNKNOWN_HOST)
            yield {"base_url": base_url, "proxies": proxies, "metrics_dir": tmp_path / "metrics"}
    finally:
        for proxy in proxies.values():
            proxy.stop()


def test_the_database_check_finds_every_migration_of_the_code_applied(db):
    """In process; also makes pytest-django set up the test database when this module runs on its own."""
    from maxloyalty.readiness import run_check

    result = run_check("database", timeout=2.0)

    assert (result.is_ok, result.detail) == (True, "ok")


def _ready(client: httpx.Client) -> httpx.Response:
    return client.get("/readyz", headers={"Host": UNKNOWN_HOST})


def _ready_again(client: httpx.Client, *, within: float = 15.0) -> httpx.Response:
    """The first probe after a return may meet a connection the outage broke; readiness follows within seconds."""
    deadline = time.monotonic() + within
    while True:
        response = _ready(client)
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        time.sleep(0.3)


@pytest.mark.parametrize(("dependency", "failing"), [("redis", ["cache", "broker"]), ("database", ["database"])])
def test_readiness_turns_503_while_a_dependency_is_away_and_200_when_it_returns(served, dependency, failing):
    proxy = served["proxies"][dependency]
    with httpx.Client(base_url=served["base_url"], timeout=30) as client:
        before = _ready(client)
        proxy.cut()
        during = _ready(client)
        alive_during = client.get("/healthz", headers={"Host": UNKNOWN_HOST})
        proxy.restore()
        after = _ready_again(client)

    assert before.status_code == 200, before.text
    assert during.status_code == 503
    assert during.json()["failed"] == failing
    assert all(during.json()["checks"][name]["status"] == "failed" for name in failing)
    assert alive_during.status_code == 200  # liveness: the process answers, whatever its dependencies do
    assert after.status_code == 200, after.text
    assert after.json()["failed"] == []


def test_metrics_add_up_every_worker(served):
    with httpx.Client(base_url=served["base_url"], timeout=30) as client:
        for _ in range(20):  # spread over both workers by the kernel
            client.get("/accounts/login/", headers={"Host": UNKNOWN_HOST})
        metrics = client.get("/metrics", headers={"Host": UNKNOWN_HOST})

    assert metrics.status_code == 200
    assert len(list(served["metrics_dir"].glob("*.db"))) >= 1
    (line,) = [
        line
        for line in metrics.text.splitlines()
        if line.startswith("maxloyalty_http_request_duration_seconds_count{")
        and 'view="unresolved"' in line
        and 'status="404"' in line
    ]
    assert float(line.rsplit(" ", 1)[1]) >= 20
