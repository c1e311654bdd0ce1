"""Tells at start-up whether Redis answers, so development can fall back instead of crashing."""

from __future__ import annotations

import socket
from urllib.parse import urlparse


def redis_is_reachable(url: str, timeout_seconds: float = 0.5) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout_seconds) as sock:
            sock.sendall(b"PING\r\n")
            return bool(sock.recv(16))  # +PONG, or -NOAUTH from a protected server: both answer
    except OSError:
        return False
