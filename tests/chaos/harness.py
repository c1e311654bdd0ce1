"""The production stack as processes a chaos test can kill and start again, a Redis of its own to restart, and POS
senders that retry the way the webhook contract asks (on 5xx and broken connections), recording every answer.

Faults never touch the machine's shared services: Redis is a private server on a free port; PostgreSQL is the
machine's, where only this stack's own backends (its database) are terminated.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg
from django.db import connection

from tests.process_harness import ROOT, WebhookChain, free_port, signed_request


class Service:
    """One command run as a process group that can be SIGKILLed and started again with the same command."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.command, self.env, self.log = name, command, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Service:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def children(self) -> list[psutil.Process]:
        assert self.process is not None
        return psutil.Process(self.process.pid).children()

    def kill(self) -> None:
        """SIGKILL the whole group, as an out-of-memory killer or a lost machine would."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


class PrivateRedis(Service):
    def __init__(self, log: Path) -> None:
        self.port = free_port()
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        super().__init__("redis", command, dict(os.environ), log)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        super().start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                import redis

                redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
                return self
            except Exception:
                time.sleep(0.1)
        raise TimeoutError("the private Redis did not start")


@dataclass
class Answer:
    external_id: str
    operation: str
    status: int  # 0: the connection broke
    at: float


@dataclass
class Senders:
    """POS senders: each check is sent until it gets a 2xx or 4xx, as the webhook contract says a POS does."""

    base_url: str
    chain: WebhookChain
    answers: list[Answer] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, client: httpx.Client, payload: dict[str, Any], deadline: float) -> int:
        operation = "refund" if payload.get("status") in {"refunded", "cancelled"} else "sale"
        while True:
            body, headers = signed_request(self.chain.secret, payload)
            try:
                status = client.post(
                    f"/api/v1/pos/webhooks/{self.chain.connection_id}",
                    content=body,
                    headers={**headers, "Host": self.chain.host},
                ).status_code
            except httpx.HTTPError:
                status = 0
            with self._lock:
                self.answers.append(Answer(payload["external_id"], operation, status, time.monotonic()))
            if 200 <= status < 500 or time.monotonic() > deadline:
                return status
            time.sleep(0.2 + random.random() * 0.3)


@dataclass
class FaultWindow:
    name: str
    started_at: float
    ended_at: float = 0.0


@dataclass
class FaultLog:
    windows: list[FaultWindow] = field(default_factory=list)

    @contextmanager
    def window(self, name: str, grace_seconds: float) -> Iterator[None]:
        """While the fault lasts, and `grace_seconds` after it, 503s are expected."""
        window = FaultWindow(name, time.monotonic())
        self.windows.append(window)
        try:
            yield
        finally:
            window.ended_at = time.monotonic() + grace_seconds

    def covers(self, moment: float) -> bool:
        return any(window.started_at <= moment <= window.ended_at for window in self.windows)


def terminate_backends(database: str, application_name: str) -> int:
    """pg_terminate_backend for every connection of the stack's processes (their PGAPPNAME), not the test's own."""
    wanted = {"host", "port", "user", "password", "options"}
    params = {key: value for key, value in connection.get_connection_params().items() if key in wanted}
    with psycopg.connect(**params, dbname=database, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
            [database, application_name],
        ).fetchall()
    return len(rows)
