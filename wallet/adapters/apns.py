"""Apple Push Notification service for Wallet: an empty push to a device's token on the pass type's topic tells
the device to ask our web service which cards changed. Wallet's pushes authenticate with the Pass Type ID
certificate as the TLS client certificate (token auth is not accepted for passes), over HTTP/2 in production.

https://developer.apple.com/documentation/walletpasses/adding-a-web-service-to-update-passes
"""

from __future__ import annotations

import contextlib
import logging
import os
import ssl
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
from django.conf import settings

from maxloyalty.outbound import OutboundError, outbound_client, send
from wallet.configuration import pem_bytes

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class PushResult:
    delivered: list[str]
    gone: list[str]  # tokens APNs answered 410 for: the device no longer has the pass
    failed: list[str]


@contextlib.contextmanager
def _as_file(*values: str) -> Iterator[str]:
    """A private temporary file holding the PEM settings' bytes one after another (ssl loads certificates and
    keys from files only)."""
    handle, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(handle, "wb") as file:
            for value in values:
                file.write(pem_bytes(value).rstrip(b"\n") + b"\n")
        yield path
    finally:
        os.unlink(path)


def tls_context() -> ssl.SSLContext:
    """Trusts APNS_CA_CERTIFICATE when set (tests' fake), else the system's; presents the pass certificate with
    the WWDR intermediate that issued it."""
    ca = settings.APNS_CA_CERTIFICATE
    context = ssl.create_default_context(cadata=pem_bytes(ca).decode() if ca else None)
    chain = _as_file(settings.APPLE_PASS_CERTIFICATE, settings.APPLE_WWDR_CERTIFICATE)
    with chain as certificate, _as_file(settings.APPLE_PASS_KEY) as key:
        context.load_cert_chain(certificate, key, password=settings.APPLE_PASS_KEY_PASSWORD or None)
    context.set_alpn_protocols(["h2", "http/1.1"])
    return context


def push_pass_updates(push_tokens: list[str]) -> PushResult:
    """One empty notification per device token; tells which were delivered, gone (410) or failed."""
    delivered: list[str] = []
    gone: list[str] = []
    failed: list[str] = []
    if not push_tokens:
        return PushResult(delivered, gone, failed)
    # Wallet's update push: the pass type's topic and an empty JSON dictionary, nothing else (Apple's web service
    # guide); what changed is fetched by the device from our web service.
    headers = {"apns-topic": settings.APPLE_PASS_TYPE_ID, "content-type": "application/json"}
    base = settings.APNS_URL.rstrip("/")
    with outbound_client(timeout=TIMEOUT_SECONDS, verify=tls_context(), http2=True) as client:
        for token in push_tokens:
            try:
                response = send(client, "POST", f"{base}/3/device/{token}", headers=headers, content=b"{}")
            except (OutboundError, httpx.TimeoutException) as error:
                logger.warning(
                    "APNs could not be reached: %s %s", error.__class__.__name__, getattr(error, "detail", "")
                )
                failed.append(token)
                continue
            if response.status_code == 200:
                delivered.append(token)
            elif response.status_code == 410:
                gone.append(token)
            else:
                logger.warning("APNs refused a Wallet push: %s %s", response.status_code, response.text[:200])
                failed.append(token)
    return PushResult(delivered, gone, failed)
