"""Payment provider webhooks on the platform host: Stripe (signed) and YooKassa (source address + re-fetch)."""

from __future__ import annotations

import logging

import stripe
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import stripe_gateway, yookassa_gateway
from billing.errors import BillingUnavailable
from maxloyalty.client_ip import client_ip
from maxloyalty.json_bodies import load_json

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        event = stripe_gateway.verified_event(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except (ValueError, stripe.SignatureVerificationError) as error:
        logger.warning("Stripe webhook refused from %s: %s", client_ip(request), error)
        return JsonResponse({"error": {"code": "signature_invalid", "message": "Invalid signature"}}, status=400)
    processed = stripe_gateway.handle_event(event)
    return JsonResponse({"received": True, "processed": processed})


@csrf_exempt
@require_POST
def yookassa_webhook(request: HttpRequest) -> HttpResponse:
    address = client_ip(request)
    if not yookassa_gateway.is_allowed_source(address):
        logger.warning("YooKassa notification refused from unlisted address %s", address)
        return JsonResponse({"error": {"code": "forbidden_source", "message": "Unknown source"}}, status=403)
    try:
        payment_id = str(load_json(request.body)["object"]["id"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": {"code": "invalid", "message": "Malformed notification"}}, status=400)
    try:
        remote = yookassa_gateway.fetch_payment(payment_id)
    except Exception:  # the API did not confirm it: YooKassa retries the notification later
        logger.warning("YooKassa payment %s could not be re-fetched", payment_id, exc_info=True)
        return JsonResponse({"error": {"code": "unavailable", "message": "Try again"}}, status=503)
    try:
        processed = yookassa_gateway.apply_remote_payment(remote)
    except BillingUnavailable:
        processed = False
    return JsonResponse({"received": True, "processed": processed})
