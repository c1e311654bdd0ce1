"""The client's IP address: X-Forwarded-For is believed only through the configured number of trusted proxies."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote: str = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies: int = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded: list[str] = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    # Each trusted proxy appends the address it saw; the one added by the outermost trusted proxy is the client.
    return forwarded[-proxies]
