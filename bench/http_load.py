"""A loopback HTTP load generator: a fixed number of concurrent senders for a fixed time, latency per request.

Threads with http.client (no extra dependency). It runs on the same cores as the server, so every benchmark
measures its baseline (the framework's or the database's ceiling) with this same generator in the same run.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Request = tuple[str, str, dict[str, str], bytes | None]  # method, path, headers, body


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    bodies: list[bytes] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_load(
    *,
    port: int,
    make_request: Callable[[int, int], Request],
    concurrency: int,
    seconds: float,
    keep_bodies: bool = False,
) -> LoadResult:
    """`make_request(sender, number)` builds each request; senders run until the time is up."""
    result = LoadResult(seconds=seconds)
    lock = threading.Lock()
    start = threading.Barrier(concurrency + 1)
    stop_at: list[float] = []

    def sender(index: int) -> None:
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        bodies: list[bytes] = []
        errors = 0
        number = 0
        start.wait()
        deadline = stop_at[0]
        while time.monotonic() < deadline:
            method, path, headers, body = make_request(index, number)
            number += 1
            began = time.perf_counter()
            try:
                client.request(method, path, body=body, headers=headers)
                response = client.getresponse()
                payload = response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                client.close()
                continue
            latencies.append((time.perf_counter() - began) * 1000)
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if keep_bodies:
                bodies.append(payload)
            if response.getheader("Connection", "").lower() == "close":
                client.close()
        client.close()
        with lock:
            result.latencies_ms.extend(latencies)
            result.errors += errors
            result.bodies.extend(bodies)
            for status, count in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + count

    threads = [threading.Thread(target=sender, args=(index,), daemon=True) for index in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    stop_at.append(began + seconds)
    start.wait()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - began
    return result
