"""Payment provider webhooks on the platform host: Stripe (signed) and YooKassa (source address + re-fetch).

Each view verifies the notification and turns it into events with the provider's adapter (billing.providers),
then hands them to one service that applies them once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import services
from billing.errors import BillingUnavailable
from billing.providers import stripe, yookassa
from billing.providers.base import NoticeRefused
from maxloyalty.client_ip import client_ip
from maxloyalty.json_bodies import load_json
from observability.metrics import BILLING_WEBHOOKS

logger = logging.getLogger(__name__)

WebhookView = Callable[[HttpRequest], HttpResponse]


def _outcome(response: HttpResponse) -> str:
    """processed, ignored (received, nothing to apply), or the refusal's error code."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"http_{response.status_code}"
    if response.status_code == 200:
        return "processed" if body.get("processed") else "ignored"
    return str(body.get("error", {}).get("code") or f"http_{response.status_code}")


def counted(provider: str) -> Callable[[WebhookView], WebhookView]:
    """The billing webhook outcomes metric: one count per notification, by provider and outcome."""

    def decorate(view: WebhookView) -> WebhookView:
        @wraps(view)
        def counted_view(request: HttpRequest) -> HttpResponse:
            response = view(request)
            BILLING_WEBHOOKS.labels(provider=provider, outcome=_outcome(response)).inc()
            return response

        return counted_view

    return decorate


@csrf_exempt
@counted("stripe")
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        notice = stripe.verified_notice(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
    except NoticeRefused as error:
        logger.warning("Stripe webhook refused from %s: %s", client_ip(request), error)
        return JsonResponse({"error": {"code": "signature_invalid", "message": "Invalid signature"}}, status=400)
    processed = notice is not None and services.record_notice(notice)
    return JsonResponse({"received": True, "processed": processed})


@csrf_exempt
@counted("yookassa")
@require_POST
def yookassa_webhook(request: HttpRequest) -> HttpResponse:
    address = client_ip(request)
    if not yookassa.is_allowed_source(address):
        logger.warning("YooKassa notification refused from unlisted address %s", address)
        return JsonResponse({"error": {"code": "forbidden_source", "message": "Unknown source"}}, status=403)
    try:
        payment_id = str(load_json(request.body)["object"]["id"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": {"code": "invalid", "message": "Malformed notification"}}, status=400)
    try:
        outcome = yookassa.fetch_payment(payment_id)
    except Exception:  # the API did not confirm it: YooKassa retries the notification later
        logger.warning("YooKassa payment %s could not be re-fetched", payment_id, exc_info=True)
        return JsonResponse({"error": {"code": "unavailable", "message": "Try again"}}, status=503)
    try:
        processed = outcome is not None and services.apply_provider_event(outcome)
    except BillingUnavailable:
        processed = False
    return JsonResponse({"received": True, "processed": processed})
