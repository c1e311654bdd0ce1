"""Calls to addresses a chain configures (iiko, R-Keeper base URLs): never into our own network.

A chain's owner types a base URL; our servers then call it. Without a guard that is a way into everything our
servers can reach: the cloud's metadata service (169.254.169.254, fd00:ec2::254), the database, Redis, admin
ports on 10.x. So every such call goes through `outbound_client()`:

- the host is resolved and EVERY address it resolves to must be public (not loopback, link-local, private,
  shared, reserved, multicast or unspecified), unless it lies in settings.OUTBOUND_ALLOWED_NETWORKS (a CIDR
  list: development and tests allow 127.0.0.0/8 and ::1 explicitly, production nothing);
- the connection is made to the address that was checked (the URL's host is replaced by it; the Host header and
  TLS's SNI and certificate check keep the name), so a DNS answer that changes between check and connect
  (rebinding) cannot move the call;
- redirects are followed (at most settings.OUTBOUND_MAX_REDIRECTS) and each hop goes through the same check;
- the answer is read as a stream and refused past settings.OUTBOUND_MAX_RESPONSE_BYTES (after decompression too);
- every failure is an OutboundError whose `public_message` names no address, host, port or reason beyond "could
  not be reached", "not allowed", "too large": what we store and show cannot be used to map our network.

`check_url` is the same address check for forms and services saving a URL (a field error at save time).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from django.conf import settings
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class OutboundError(httpx.TransportError):
    """A refused or failed outbound call; `public_message` is safe to store and show."""

    public_message: Any = _("The server could not be reached (network error).")

    def __init__(self, detail: str = "") -> None:
        super().__init__(str(self.public_message))
        self.detail = detail  # for our logs only


class AddressNotAllowed(OutboundError):
    public_message = _("This address is not allowed: it must be a public internet address (http or https).")


class ServerUnreachable(OutboundError):
    public_message = _("The server could not be reached (network error).")


class ResponseTooLarge(OutboundError):
    public_message = _("The server's answer was too large.")


class TooManyRedirects(OutboundError):
    public_message = _("The server redirected too many times.")


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(value, strict=False) for value in settings.OUTBOUND_ALLOWED_NETWORKS]


def is_public_address(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def address_allowed(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in _allowed_networks()):
        return True
    return is_public_address(address)


def checked_address(host: str, port: int, *, resolver: Resolver | None = None) -> str:
    """The address to connect to for host: all of its addresses must be allowed (the first is used)."""
    if not host:
        raise AddressNotAllowed("no host")
    try:
        literal: Address | None = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = (resolver or _resolve)(host, port)
        except (OSError, UnicodeError) as error:
            raise ServerUnreachable(f"cannot resolve {host!r}: {error}") from None
    if not addresses:
        raise ServerUnreachable(f"{host!r} has no address")
    for value in addresses:
        address = ipaddress.ip_address(value.split("%")[0])  # an IPv6 zone id is not part of the address
        if not address_allowed(address):
            raise AddressNotAllowed(f"{host!r} resolves to {address}, which is not allowed")
    return addresses[0]


def check_url(url: str, *, resolver: Resolver | None = None) -> None:
    """Raise AddressNotAllowed unless url is http(s) to an allowed address. A name that does not resolve now is
    let through (the POS may not be up yet); the call itself checks again."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as error:
        raise AddressNotAllowed(f"invalid URL: {error}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host or parsed.userinfo:
        raise AddressNotAllowed("scheme, host or user info")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        checked_address(parsed.host, port, resolver=resolver)
    except ServerUnreachable:
        return


class _CappedStream(httpx.SyncByteStream):
    def __init__(self, stream: httpx.SyncByteStream, limit: int) -> None:
        self._stream = stream
        self._limit = limit

    def __iter__(self) -> Iterator[bytes]:
        received = 0
        for chunk in self._stream:
            received += len(chunk)
            if received > self._limit:
                raise ResponseTooLarge(f"more than {self._limit} bytes")
            yield chunk

    def close(self) -> None:
        self._stream.close()


class GuardedTransport(httpx.BaseTransport):
    """httpx transport: checks each request's address (every redirect hop is a request), pins the connection to
    it and caps the answer's size on the wire."""

    def __init__(
        self, *, max_response_bytes: int, resolver: Resolver | None = None, verify: Any = True, http2: bool = False
    ) -> None:
        self._inner = httpx.HTTPTransport(verify=verify, retries=0, http2=http2)
        self._max_response_bytes = max_response_bytes
        self._resolver = resolver

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise AddressNotAllowed(f"scheme {url.scheme!r}")
        port = url.port or (443 if url.scheme == "https" else 80)
        address = checked_address(url.host, port, resolver=self._resolver)
        extensions = dict(request.extensions)
        if url.scheme == "https":
            extensions.setdefault("sni_hostname", url.host)  # TLS still names (and verifies) the host
        pinned = httpx.Request(
            request.method,
            url.copy_with(host=address),
            headers=request.headers,
            stream=request.stream,
            extensions=extensions,
        )
        try:
            response = self._inner.handle_request(pinned)
        except httpx.TimeoutException:
            raise
        except httpx.TransportError as error:
            raise ServerUnreachable(f"{type(error).__name__}: {error}") from None
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._max_response_bytes:
            response.close()
            raise ResponseTooLarge(f"Content-Length {declared}")
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_CappedStream(response.stream, self._max_response_bytes),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._inner.close()


def outbound_client(
    *, timeout: float, resolver: Resolver | None = None, verify: Any = True, http2: bool = False
) -> httpx.Client:
    """An httpx client for chain-configured addresses (see the module's description). `http2`: offered by TLS's
    ALPN (APNs needs it), HTTP/1.1 when the server does not take it."""
    return httpx.Client(
        transport=GuardedTransport(
            max_response_bytes=settings.OUTBOUND_MAX_RESPONSE_BYTES, resolver=resolver, verify=verify, http2=http2
        ),
        timeout=timeout,
        follow_redirects=True,
        max_redirects=settings.OUTBOUND_MAX_REDIRECTS,
        trust_env=False,
    )


_FRAMING = {"content-encoding", "content-length", "transfer-encoding"}  # of the wire, not of the decoded body


def send(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One call through client, its body read with the size cap applied to the decoded bytes as well (a small
    compressed answer may inflate). Raises OutboundError (or httpx.TimeoutException) on failure."""
    limit = settings.OUTBOUND_MAX_RESPONSE_BYTES
    try:
        with client.stream(method, url, **kwargs) as response:
            chunks, received = [], 0
            for chunk in response.iter_bytes():
                received += len(chunk)
                if received > limit:
                    raise ResponseTooLarge(f"more than {limit} decoded bytes")
                chunks.append(chunk)
    except httpx.TooManyRedirects as error:
        raise TooManyRedirects(str(error)) from None
    except httpx.DecodingError as error:
        raise ServerUnreachable(f"undecodable answer: {error}") from None
    return httpx.Response(
        status_code=response.status_code,
        headers=[(name, value) for name, value in response.headers.multi_items() if name.lower() not in _FRAMING],
        content=b"".join(chunks),
        request=response.request,
    )
