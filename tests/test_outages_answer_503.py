"""When PostgreSQL or Redis goes away, requests get 503 with Retry-After (uniform JSON in the API, the POS webhook
included; a readable page for people), and the same server processes answer normally again once it is back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx
import pytest
from django.db import connection

from tests.process_harness import (
    WebhookChain,
    create_webhook_chain,
    delete_redis_keys,
    drop_chain,
    free_port,
    gunicorn_command,
    process_env,
    running,
    sample_check,
    signed_request,
    wait_until_serving,
)
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.processes

LOGS = Path(__file__).resolve().parent.parent / "test-artifacts" / "outages"


def _through(proxy: TcpProxy, url: str) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username}@127.0.0.1:{proxy.port}" if parts.username else f"127.0.0.1:{proxy.port}"
    query = "&".join(item for item in parts.query.split("&") if item and not item.startswith("host="))
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _target(url: str, default_port: int) -> tuple[str, int] | Path:
    parts = urlsplit(url)
    socket_dir = parse_qs(parts.query).get("host")
    if socket_dir:  # the embedded cluster listens on a Unix socket only
        return Path(socket_dir[0]) / f".s.PGSQL.{parts.port or default_port}"
    return (parts.hostname or "127.0.0.1", parts.port or default_port)


@pytest.fixture
def served(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[dict]:
    tag = f"outage{os.getpid()}"
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        chain = create_webhook_chain(slug=tag, guests=2)
        env = process_env(database_name=connection.settings_dict["NAME"], queue=f"q-{tag}", cache_prefix=tag)
    proxies = {
        "database": TcpProxy(_target(env["DATABASE_URL"], 5432)).start(),
        "redis": TcpProxy(_target(env["REDIS_URL"], 6379)).start(),
    }
    env["DATABASE_URL"] = _through(proxies["database"], env["DATABASE_URL"])
    env["REDIS_URL"] = _through(proxies["redis"], env["REDIS_URL"])
    env["TENANT_ROUTING_LOCAL_TTL"] = "0"  # every request looks its chain up: the outage is met at once
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    try:
        with running(gunicorn_command(port=port, workers=1, threads=4), env=env, log=LOGS / "gunicorn.log"):
            wait_until_serving(base_url, chain.host)
            yield {"chain": chain, "base_url": base_url, "proxies": proxies}
    finally:
        for proxy in proxies.values():
            proxy.stop()
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            drop_chain(chain)
            delete_redis_keys(tag)


def test_a_dependency_error_raised_from_another_is_recognised_as_an_outage(db):
    """Also makes pytest-django set up the test database when this module runs on its own."""
    from django.db import OperationalError

    from maxloyalty.outages import is_outage

    try:
        try:
            raise OperationalError("the server closed the connection unexpectedly")
        except OperationalError as error:
            raise RuntimeError("a service wrapped it") from error
    except RuntimeError as wrapped:
        assert is_outage(wrapped)
    assert not is_outage(ValueError("a bug, not an outage"))


def _webhook(client: httpx.Client, chain: WebhookChain, external_id: str) -> httpx.Response:
    body, headers = signed_request(chain.secret, sample_check(external_id, phone=chain.guest_phones[0]))
    return client.post(
        f"/api/v1/pos/webhooks/{chain.connection_id}", content=body, headers={**headers, "Host": chain.host}
    )


def _sign_in_page(client: httpx.Client, chain: WebhookChain) -> httpx.Response:
    """A sign-in attempt: it reads the user (database) and the failure counters (Redis)."""
    token = (
        client.cookies.get("csrftoken")
        or client.get("/accounts/login/", headers={"Host": chain.host}).cookies["csrftoken"]
    )
    form = {"csrfmiddlewaretoken": token, "email": "nobody@outage.test", "password": "wrong-password-1"}
    return client.post("/accounts/login/", data=form, headers={"Host": chain.host})


@pytest.mark.parametrize("dependency", ["database", "redis"])
def test_an_outage_answers_503_with_retry_after_and_the_server_recovers_by_itself(served, dependency):
    chain, proxy = served["chain"], served["proxies"][dependency]
    with httpx.Client(base_url=served["base_url"], timeout=30) as client:
        assert _webhook(client, chain, f"{dependency}-before").status_code == 202
        assert _sign_in_page(client, chain).status_code == 200

        proxy.cut()
        refused_check = _webhook(client, chain, f"{dependency}-during")
        refused_page = _sign_in_page(client, chain)

        proxy.restore()
        after = [_webhook(client, chain, f"{dependency}-after-{attempt}").status_code for attempt in range(3)]
        page_after = _sign_in_page(client, chain)

    assert refused_check.status_code == 503
    assert int(refused_check.headers["Retry-After"]) > 0
    assert refused_check.json()["error"]["code"] == "service_unavailable"
    assert set(refused_check.json()["error"]) == {"code", "message", "fields"}
    assert refused_page.status_code == 503
    assert "Retry-After" in refused_page.headers
    assert "temporarily unavailable" in refused_page.text
    # The connection that broke is replaced on the next request: at most that one request fails after the return.
    assert after[-1] == 202 and set(after) <= {202, 503}
    assert page_after.status_code == 200
