"""/healthz and /readyz answer on every host (a chain's, the platform's, an unknown one: a load balancer probes by
address) without a session; /metrics answers only the allowed addresses, 404 for everyone else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from tests.fixtures import client_on

HOSTS = ["alpha", "platform", "10.0.0.7"]


def _host(name: str, alpha, platform_host: str) -> str:  # type: ignore[no-untyped-def]
    return {"alpha": alpha.host, "platform": platform_host}.get(name, name)


@pytest.mark.parametrize("host", HOSTS)
def test_liveness_and_readiness_answer_on_every_host_without_a_session(alpha, platform_host, host):
    client = client_on(_host(host, alpha, platform_host))

    live = client.get("/healthz")
    ready = client.get("/readyz")

    assert (live.status_code, live.content) == (200, b"ok")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready" and body["failed"] == []
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
    }
    assert "Set-Cookie" not in ready.headers and "sessionid" not in client.cookies


def test_readiness_names_the_dependency_that_fails(db, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = Client(HTTP_HOST="10.0.0.7").get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["failed"] == ["broker"]
    assert body["checks"]["broker"]["status"] == "failed"
    assert body["checks"]["database"]["status"] == "ok"
    assert "127.0.0.1:1" not in response.content.decode()  # what failed, never where (a URL may hold a password)


def test_metrics_answer_an_allowed_address_and_404_to_an_outsider(db):
    client = Client(HTTP_HOST="10.0.0.7")

    inside = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    outsider = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    with override_settings(METRICS_ALLOWED_NETWORKS=["203.0.113.0/24"]):
        allowed_network = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
        now_outside = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    assert inside.status_code == 200 and b"maxloyalty_pos_receipt_backlog" in inside.content
    assert outsider.status_code == 404 and b"maxloyalty" not in outsider.content
    assert allowed_network.status_code == 200
    assert now_outside.status_code == 404


def test_a_forwarded_address_is_believed_only_through_trusted_proxies(db, settings):
    client = Client(HTTP_HOST="10.0.0.7")
    request = {"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "127.0.0.1"}

    settings.TRUSTED_PROXY_COUNT = 0
    spoofed = client.get("/metrics", **request)
    settings.TRUSTED_PROXY_COUNT = 1
    through_the_proxy = client.get("/metrics", **request)

    assert spoofed.status_code == 404
    assert through_the_proxy.status_code == 200


FALLBACK_PROBE = (
    "import django, json; django.setup(); from django.core.management import call_command; "
    "call_command('create_fallback_cache_table'); from maxloyalty.readiness import readiness; "
    "print(json.dumps(readiness()[1]))"
)


def test_the_redis_less_development_fallback_reads_as_ready(db):
    """make run without Redis: the cache and the broker live in PostgreSQL, and readiness asks them there."""
    database_url = urlunsplit(urlsplit(settings.DATABASE_URL)._replace(path=f"/{connection.settings_dict['NAME']}"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "maxloyalty.settings.dev",
        "DATABASE_URL": database_url,
        "REDIS_URL": "redis://127.0.0.1:1/0",  # nothing listens there
        "REDIS_FALLBACK_ALLOWED": "true",
    }
    env.pop("CELERY_BROKER_URL", None)
    result = subprocess.run(  # this interpreter, our own probe
        [sys.executable, "-c", FALLBACK_PROBE],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    body = json.loads(result.stdout.splitlines()[-1])
    assert body["status"] == "ready", body
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
    }
