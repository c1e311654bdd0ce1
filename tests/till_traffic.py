"""A rush at the tills for tests: a thread pushing POS requests through the WSGI intake (the door that counts them,
maxloyalty.pos_traffic) at a steady rate, in front of a bare WSGI application standing in for Django (the pushes
are GET requests, which the intake hands on untouched: nothing is stored)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from maxloyalty.pos_traffic import pos_pushes_per_second
from pos.tests.conftest import wsgi_environ
from pos.webhook_intake import WebhookIntake


def _answer_nothing(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("405 Method Not Allowed", [])
    return [b""]


def push_through_the_door(path: str = "/api/v1/pos/webhooks/1") -> None:
    """One request through the intake, as gunicorn hands it over."""
    environ = wsgi_environ(method="GET", path=path, host="tills.ml.test", body=b"", headers={})
    list(WebhookIntake(_answer_nothing)(environ, lambda status, headers, exc_info=None: None))


def wait_for_rate(condition: Any, timeout: float = 5.0) -> float:
    """Poll the counted rate until `condition(rate)`; the rate then (AssertionError after `timeout`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rate = pos_pushes_per_second()
        if condition(rate):
            return rate
        time.sleep(0.05)
    raise AssertionError(f"the POS traffic never met the condition (last {pos_pushes_per_second()}/s)")


@contextmanager
def till_rush(per_second: float = 200.0, lasting: float | None = None) -> Iterator[None]:
    """POS pushes at about `per_second` while the block runs (started once they are counted), or only for the
    first `lasting` seconds of it; afterwards, until the counted rate is back to 0."""
    stop = threading.Event()

    def push() -> None:
        ends = math.inf if lasting is None else time.monotonic() + lasting
        while not stop.is_set() and time.monotonic() < ends:
            push_through_the_door()
            time.sleep(1 / per_second)

    thread = threading.Thread(target=push, daemon=True)
    thread.start()
    try:
        wait_for_rate(lambda rate: rate >= per_second / 4)
        yield
    finally:
        stop.set()
        thread.join()
        push_through_the_door("/healthz")  # not a POS request: counts nothing
        wait_for_rate(lambda rate: rate == 0)
