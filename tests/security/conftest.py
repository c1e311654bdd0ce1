"""A real gunicorn serving the app (with the WSGI webhook intake in front of Django) for a committed chain with a
signed-webhook connection, for the security tests that must see what production's server stack does."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
    wait_until_serving,
)

LOGS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "security"


@dataclass
class ServedChain:
    chain: WebhookChain
    base_url: str


def served_chain(name: str, django_db_blocker: pytest.FixtureRequest, **settings_env: str) -> Iterator[ServedChain]:
    """Yield a committed chain served by gunicorn (2 workers, 2 threads) whose settings are overridden by
    settings_env (environment variables); everything is removed afterwards."""
    tag = f"sec{name}{os.getpid()}"
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        chain = create_webhook_chain(slug=tag, guests=3)
        env = process_env(database_name=connection.settings_dict["NAME"], queue=f"{tag}-q", cache_prefix=tag)
    env.update(settings_env)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    try:
        with running(gunicorn_command(port=port, workers=2, threads=2), env=env, log=LOGS / f"{name}.log"):
            wait_until_serving(base_url, chain.host)
            yield ServedChain(chain=chain, base_url=base_url)
    finally:
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            drop_chain(chain)
            delete_redis_keys(tag)
