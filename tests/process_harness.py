"""The POS pipeline run as in production, for the end-to-end test and the benchmark: gunicorn serving the app,
a real Celery worker consuming Redis, and a dedicated chain with a signed-webhook connection and guests.

Everything here is committed to the database given (the processes must see it) and removed by `drop_chain`.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from maxloyalty.task_routes import WORKLOADS, queue_names

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass
class WebhookChain:
    chain_id: int
    schema_name: str
    host: str
    connection_id: int
    secret: str
    guest_phones: list[str] = field(default_factory=list)
    owner_id: int | None = None


def create_webhook_chain(*, slug: str, guests: int) -> WebhookChain:
    """A committed chain with one restaurant, one signed-webhook connection and `guests` guests, each made by its
    service (create_restaurant, create_connection, create_guest: a couple of thousand guests take seconds)."""
    from accounts.models import User
    from guests.services import create_guest
    from pos.services import create_connection
    from restaurants.services import create_restaurant
    from tenants.services import create_chain

    chain, owner = create_chain(
        name=f"Pipeline {slug}", slug=slug, owner_email=f"owner@{slug}.test", owner_password=secrets.token_urlsafe(16)
    )
    with schema_context(chain.schema_name):
        restaurant = create_restaurant(actor=owner, name="Pipeline Center", time_zone="Europe/Moscow")
        pos_connection, issued = create_connection(actor=owner, restaurant=restaurant, kind="webhook", name="bench")
        phones = [f"+7916{index:07d}" for index in range(guests)]
        for index, phone in enumerate(phones):
            create_guest(access=None, phone=phone, first_name=f"Guest{index}", card_number=f"55{index:08d}")
    connection.set_schema_to_public()
    assert isinstance(owner, User) and issued.signing_secret
    return WebhookChain(
        chain_id=chain.pk,
        schema_name=chain.schema_name,
        host=chain.host,
        connection_id=pos_connection.pk,
        secret=issued.signing_secret,
        guest_phones=phones,
        owner_id=owner.pk,
    )


def drop_chain(chain: WebhookChain) -> None:
    """Remove the chain, its schema and its owner (who belongs to no other chain)."""
    from accounts.models import User
    from tenants.models import Chain

    found = Chain.objects.filter(pk=chain.chain_id).first()
    if found is not None:
        if chain.owner_id is not None:
            # Deleting a user reaches tenant tables (object permissions, audit): do it inside the chain's schema.
            with schema_context(found.schema_name):
                User.objects.filter(pk=chain.owner_id).exclude(
                    memberships__chain__in=Chain.objects.exclude(pk=found.pk)
                ).delete()
        connection.set_schema_to_public()
        found.delete(force_drop=True)
    connection.set_schema_to_public()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_env(*, database_name: str, queue: str, cache_prefix: str) -> dict[str, str]:
    """Environment of the server and worker processes: the same database and Redis as this process."""
    # This process's own URL with the database swapped: its credentials, host, port and options (the embedded
    # cluster's socket directory, `?host=...`, when DATABASE_URL is unset) are what the children need as well.
    url = urlunsplit(urlsplit(settings.DATABASE_URL)._replace(path=f"/{database_name}"))
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update(
        DJANGO_SETTINGS_MODULE="maxloyalty.settings.processes",
        DATABASE_URL=url,
        REDIS_URL=settings.REDIS_URL,
        CELERY_QUEUE=queue,
        PROCESS_CACHE_PREFIX=cache_prefix,
        PYTHONUNBUFFERED="1",
    )
    return env


@contextmanager
def running(command: list[str], *, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.terminate()  # the parent first: gunicorn and celery shut their children down gracefully
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)


def gunicorn_command(*, port: int, workers: int, threads: int) -> list[str]:
    """gunicorn as deployed (maxloyalty.gunicorn_config: gthread workers), on a port of its own."""
    return [
        str(BIN / "gunicorn"),
        "--config",
        "python:maxloyalty.gunicorn_config",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--log-level",
        "warning",
        "maxloyalty.wsgi:application",
    ]


def celery_worker_command(
    *, queue: str, concurrency: int, name: str, nice: int = 0, workloads: tuple[str, ...] = WORKLOADS
) -> list[str]:
    """A Celery worker on the queues of `workloads` (all of them by default, most urgent first) under the base
    name `queue` (the processes' CELERY_QUEUE); `nice` > 0 runs it below the web server's CPU priority."""
    return [
        *(["nice", "-n", str(nice)] if nice else []),
        str(BIN / "celery"),
        "-A",
        "maxloyalty",
        "worker",
        "--queues",
        ",".join(queue_names(queue, workloads)),
        "--concurrency",
        str(concurrency),
        "--pool",
        "prefork",
        "--hostname",
        f"{name}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        "WARNING",
    ]


def wait_until_serving(base_url: str, host: str, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", headers={"Host": host}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError as error:
            last = error
        time.sleep(0.2)
    raise TimeoutError(f"the server at {base_url} did not answer within {timeout}s: {last}")


def signed_request(secret: str, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    from pos.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_header_for

    body = json.dumps(payload).encode()
    stamp = str(int(time.time()))
    return body, {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: signature_header_for(secret, stamp, body),
    }


def sample_check(
    external_id: str, *, phone: str | None, amount: int = 1000, points_to_spend: int = 0
) -> dict[str, Any]:
    """A valid closed check of `amount` roubles in two lines."""
    first = amount // 2
    payload: dict[str, Any] = {
        "external_id": external_id,
        "status": "closed",
        "closed_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        "items": [
            {"sku": "101", "name": "Latte", "category": "coffee", "quantity": 1, "price": f"{first}.00"},
            {"sku": "202", "name": "Pie", "category": "bakery", "quantity": 1, "price": f"{amount - first}.00"},
        ],
        "total_amount": f"{amount}.00",
        "currency": "RUB",
        "points_to_spend": points_to_spend,
    }
    if phone:
        payload["guest"] = {"phone": phone}
    return payload


def delete_redis_keys(prefix: str) -> None:
    from django_redis import get_redis_connection

    redis = get_redis_connection("platform")
    keys = list(redis.scan_iter(match=f"*{prefix}-*", count=1000))
    if keys:
        redis.delete(*keys)


def purge_queue(queue: str) -> None:
    """Drop what is left in the queues under the base name `queue` (every workload's)."""
    from django_redis import get_redis_connection

    get_redis_connection("platform").delete(*queue_names(queue))
