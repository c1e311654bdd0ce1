"""The probes and the request metrics, as middlewares.

ProbeMiddleware answers /healthz, /readyz and /metrics on every host (a platform host, a chain's, or an unknown
one: a load balancer probes by address) before the chain is looked up, and without a session or a throttle.
/metrics answers only addresses in METRICS_ALLOWED_NETWORKS (the client address as maxloyalty.client_ip reads it,
behind the trusted proxies); others get the plain 404 of a path that does not exist.

RequestMetricsMiddleware times every other request by its view's name (bounded: the URL map's names), method and
status.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from maxloyalty.client_ip import client_ip
from maxloyalty.readiness import readiness
from observability import metrics
from observability.selectors import CeleryQueueCollector, DefaultPartitionCollector, ReceiptBacklogCollector

_SCRAPE_TIME = (ReceiptBacklogCollector(), CeleryQueueCollector(), DefaultPartitionCollector())


@cache
def _allowed_networks(networks: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(network, strict=False) for network in networks)


def may_scrape(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _allowed_networks(tuple(settings.METRICS_ALLOWED_NETWORKS)))


def _metrics(request: HttpRequest) -> HttpResponse:
    if not may_scrape(client_ip(request)):
        return HttpResponse("Not found", status=404, content_type="text/plain")
    return HttpResponse(metrics.exposition(_SCRAPE_TIME), content_type="text/plain; version=0.0.4; charset=utf-8")


def _health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def _ready(request: HttpRequest) -> HttpResponse:
    is_ready, body = readiness()
    response = HttpResponse(json.dumps(body), status=200 if is_ready else 503, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": _health,
    "/readyz": _ready,
    "/metrics": _metrics,
}


class ProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        return probe(request)


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or "unnamed") if match is not None else "unresolved"
        metrics.REQUEST_SECONDS.labels(
            view=view, method=_method(request.method), status=str(response.status_code)
        ).observe(time.perf_counter() - started)
        return response


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _method(method: str | None) -> str:
    return method if method in _METHODS else "other"
