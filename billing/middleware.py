"""Read-only when suspended, and no API for plans without API access: one cached lookup per chain request.

Suspended or cancelled chains keep GET pages; unsafe methods get a 409 saying why and how to pay. Exempt: the
billing pages (to pay), sign-in/out, the POS and iiko webhooks (guests never lose points), the Telegram webhook,
and the unsubscribe links and email tracking webhooks (a guest's "no more mail" always holds).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from billing.errors import ChainReadOnly
from billing.limits import Limit, refusal_for
from billing.models import READ_ONLY_STATES
from billing.selectors import billing_snapshot
from billing.services import ensure_subscription
from maxloyalty.authorization import bearer_token
from maxloyalty.current_schema import current_schema_name
from maxloyalty.errors import error_body, is_api_request
from tenants.models import Chain

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALWAYS_WRITABLE_PREFIXES = (
    "/billing/",
    "/accounts/",
    "/api/v1/auth/",
    "/api/v1/pos/webhooks/",
    "/api/v1/pos/iiko/",
    "/api/v1/pos/rkeeper/",
    "/api/v1/telegram/",
    "/telegram/",
    "/i18n/",
    # A guest's unsubscribe and the email provider's tracking events (bounces stop mail) hold in any state.
    "/messaging/unsubscribe/",
    "/messaging/webhooks/",
)
# POS systems and Telegram authenticate themselves (signature, token, initData); guests never lose points.
POS_AND_BOT_PREFIXES = ("/api/v1/pos/webhooks/", "/api/v1/pos/iiko/", "/api/v1/pos/rkeeper/", "/api/v1/telegram/")
API_ACCESS_EXEMPT_PREFIXES = ("/api/v1/auth/", *POS_AND_BOT_PREFIXES)


class BillingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        if tenant is None or current_schema_name() == "public":
            return self.get_response(request)
        path = request.path
        # The same reading of the header as the API's authentication: a token it accepts is always gated.
        is_bearer = bearer_token(request.headers.get("Authorization")) is not None
        needs_api_check = is_bearer and path.startswith("/api/v1/") and not path.startswith(API_ACCESS_EXEMPT_PREFIXES)
        needs_state_check = request.method not in SAFE_METHODS and not path.startswith(ALWAYS_WRITABLE_PREFIXES)
        if path.startswith("/api/v1/auth/"):
            _snapshot(tenant)  # read (or cache) it while signing in, so the token's calls cost no query
        if not (needs_api_check or needs_state_check):
            return self.get_response(request)
        snapshot = _snapshot(tenant)
        if needs_state_check and snapshot["state"] in READ_ONLY_STATES:
            error = ChainReadOnly(pay_url="/billing/")
            if is_api_request(request):
                return JsonResponse(error_body(error.code, error.message, pay_url="/billing/"), status=error.status)
            return render(request, "billing/read_only.html", {"state": snapshot["state"]}, status=error.status)
        if needs_api_check and not snapshot["api_access"]:
            refusal = refusal_for(Limit.API_ACCESS, None)
            body = error_body(refusal.code, refusal.message, **refusal.details)  # type: ignore[arg-type]  # no `fields` key
            return JsonResponse(body, status=refusal.status)
        return self.get_response(request)


def _snapshot(tenant: Chain) -> dict[str, object]:
    """The chain's billing snapshot; a chain that predates billing gets its trial first, as every chain has one."""
    snapshot = billing_snapshot(tenant)
    if snapshot is None:
        ensure_subscription(chain=tenant)
        snapshot = billing_snapshot(tenant)
    assert snapshot is not None
    return snapshot
