"""A request is HTTPS through a proxy only when the settings name that proxy (TRUSTED_PROXY_SSL_HEADER): checked on
gunicorn with the production settings, as deployed, since gunicorn has a trust of its own (maxloyalty/gunicorn_config.py
turns it off). Either way the client here is on the same host, where gunicorn's default would believe anyone."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from django.conf import settings
from django.db import connection

from maxloyalty.encryption import configured_keys
from tests.process_harness import delete_redis_keys, free_port, running, wait_until_serving
from tests.prod_smoke import PLATFORM_DOMAIN, entrypoint_command, production_env

pytestmark = [pytest.mark.processes, pytest.mark.django_db]

LOGS = Path(__file__).resolve().parent.parent / "test-artifacts" / "forwarded-scheme"


def _sign_in_page_with_forwarded_https(*, trusted: bool, tmp_path: Path) -> httpx.Response:
    deployment = f"scheme-{os.getpid()}-{int(trusted)}"
    env = production_env(
        database_url=urlunsplit(urlsplit(settings.DATABASE_URL)._replace(path=f"/{connection.settings_dict['NAME']}")),
        redis_url=settings.REDIS_URL,
        encryption_keys=[key.decode() for key in configured_keys()],
        deployment=deployment,
    )
    if not trusted:
        env.pop("TRUSTED_PROXY_SSL_HEADER")
    port = free_port()
    env.update(GUNICORN_BIND=f"127.0.0.1:{port}", PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    try:
        with running(entrypoint_command("web"), env=env, log=LOGS / f"web-trusted-{trusted}.log"):
            wait_until_serving(f"http://127.0.0.1:{port}", PLATFORM_DOMAIN)
            return httpx.get(
                f"http://127.0.0.1:{port}/accounts/login/",
                headers={"Host": PLATFORM_DOMAIN, "X-Forwarded-Proto": "https"},
                timeout=10,
            )
    finally:
        delete_redis_keys(deployment)


def test_a_forwarded_https_is_not_believed_unless_the_settings_name_the_proxy(tmp_path):
    answer = _sign_in_page_with_forwarded_https(trusted=False, tmp_path=tmp_path)
    assert answer.status_code == 301
    assert answer.headers["location"] == f"https://{PLATFORM_DOMAIN}/accounts/login/"


def test_a_forwarded_https_from_the_named_proxy_is_believed(tmp_path):
    answer = _sign_in_page_with_forwarded_https(trusted=True, tmp_path=tmp_path)
    assert answer.status_code == 200
    assert "csrfmiddlewaretoken" in answer.text
