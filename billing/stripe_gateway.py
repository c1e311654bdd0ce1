"""Stripe: Checkout for the first payment, the customer portal for cards, and the signed webhook's events.

Events are deduplicated by id and never trusted for state: the handler re-reads the subscription from the API,
so events arriving out of order converge on what Stripe holds now.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing import services
from billing.errors import BillingUnavailable, PlanNotAvailable
from billing.models import (
    Payment,
    PaymentPurpose,
    PaymentStatus,
    Plan,
    ProcessedWebhook,
    Provider,
    State,
    Subscription,
)
from tenants.models import Chain

logger = logging.getLogger(__name__)

HANDLED_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "invoice.paid",
        "invoice.payment_failed",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    }
)


def _configured() -> dict[str, Any]:
    if not settings.STRIPE_SECRET_KEY:
        raise BillingUnavailable()
    stripe.api_base = settings.STRIPE_API_BASE
    return {"api_key": settings.STRIPE_SECRET_KEY}


def start_checkout(*, chain: Chain, plan: Plan, subscription: Subscription) -> str:
    """A hosted Checkout page for the first payment; returns its URL."""
    if not plan.stripe_price_id:
        raise PlanNotAvailable()
    options = _configured()
    billing_url = f"{chain.base_url}/billing/"
    params: dict[str, Any] = {
        "mode": "subscription",
        "line_items": [{"price": plan.stripe_price_id, "quantity": 1}],
        "client_reference_id": str(chain.pk),
        "metadata": {"chain_id": str(chain.pk), "plan": plan.code},
        "subscription_data": {"metadata": {"chain_id": str(chain.pk)}},
        "success_url": billing_url + "?checkout=success",
        "cancel_url": billing_url + "?checkout=cancelled",
    }
    if subscription.stripe_customer_id:
        params["customer"] = subscription.stripe_customer_id
    try:
        session = stripe.checkout.Session.create(**params, **options)
    except stripe.StripeError as error:
        logger.warning("Stripe checkout for chain %s failed: %s", chain.pk, error)
        raise BillingUnavailable() from error
    return str(session.url)


def portal_url(*, chain: Chain, subscription: Subscription) -> str:
    options = _configured()
    if not subscription.stripe_customer_id:
        raise PlanNotAvailable()
    try:
        session = stripe.billing_portal.Session.create(
            customer=subscription.stripe_customer_id, return_url=f"{chain.base_url}/billing/", **options
        )
    except stripe.StripeError as error:
        raise BillingUnavailable() from error
    return str(session.url)


def change_price_now(*, subscription: Subscription, plan: Plan, proration_behavior: str = "always_invoice") -> None:
    """Swap the price: upgrades prorate and invoice the difference at once; downgrades ("none") bill from next period."""
    if not plan.stripe_price_id:
        raise PlanNotAvailable()
    options = _configured()
    remote = stripe.Subscription.retrieve(subscription.stripe_subscription_id, **options).to_dict()
    stripe.Subscription.modify(
        subscription.stripe_subscription_id,
        items=[{"id": remote["items"]["data"][0]["id"], "price": plan.stripe_price_id}],
        proration_behavior=proration_behavior,
        **options,
    )


def set_cancel_at_period_end(*, subscription: Subscription, cancel: bool) -> None:
    options = _configured()
    stripe.Subscription.modify(subscription.stripe_subscription_id, cancel_at_period_end=cancel, **options)


def verified_event(*, payload: bytes, signature: str) -> stripe.Event:
    """Raises ValueError or stripe.SignatureVerificationError for anything not signed with our endpoint secret."""
    return stripe.Webhook.construct_event(
        payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
    )


def handle_event(verified: stripe.Event) -> bool:
    """Act on a verified event once; False when it was already processed or is not one we handle."""
    event = verified.to_dict()
    if event["type"] not in HANDLED_EVENTS:
        return False
    try:
        with transaction.atomic():
            ProcessedWebhook.objects.create(provider=Provider.STRIPE, event_id=event["id"], kind=event["type"])
            _act(event)
    except IntegrityError:
        logger.info("Stripe event %s already processed", event["id"])
        return False
    return True


def _act(event: dict[str, Any]) -> None:
    obj = event["data"]["object"]
    kind = event["type"]
    if kind == "checkout.session.completed":
        chain_id = int(obj.get("client_reference_id") or obj["metadata"]["chain_id"])
        Subscription.objects.filter(chain_id=chain_id).update(
            stripe_customer_id=obj.get("customer") or "", stripe_subscription_id=obj.get("subscription") or ""
        )
        sync_subscription(stripe_subscription_id=obj["subscription"])
        return
    if kind.startswith("invoice."):
        subscription_id = _invoice_subscription_id(obj)
        if not subscription_id:
            return
        _record_invoice(obj, subscription_id, paid=kind == "invoice.paid")
        sync_subscription(stripe_subscription_id=subscription_id)
        return
    sync_subscription(stripe_subscription_id=obj["id"])


def _invoice_subscription_id(invoice: Any) -> str:
    if invoice.get("subscription"):
        return str(invoice["subscription"])
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return str(details.get("subscription") or "")


def _record_invoice(invoice: Any, subscription_id: str, *, paid: bool) -> None:
    subscription = Subscription.objects.filter(stripe_subscription_id=subscription_id).select_related("plan").first()
    if subscription is None:
        return
    amount_cents = invoice.get("amount_paid") if paid else invoice.get("amount_due")
    Payment.objects.update_or_create(
        provider=Provider.STRIPE,
        provider_payment_id=invoice["id"],
        defaults={
            "subscription": subscription,
            "purpose": PaymentPurpose.INVOICE,
            "plan": subscription.plan,
            "amount": Decimal(int(amount_cents or 0)) / 100,
            "currency": str(invoice.get("currency") or "usd").upper(),
            "status": PaymentStatus.SUCCEEDED if paid else PaymentStatus.FAILED,
            "receipt_url": invoice.get("hosted_invoice_url") or "",
            "paid_at": timezone.now() if paid else None,
            "processed_at": timezone.now(),
        },
    )


def _period_end(remote: Any) -> datetime.datetime | None:
    end = remote.get("current_period_end")
    if end is None:
        items = (remote.get("items") or {}).get("data") or []
        end = items[0].get("current_period_end") if items else None
    return datetime.datetime.fromtimestamp(int(end), tz=datetime.UTC) if end else None


def _plan_of(remote: Any) -> Plan | None:
    items = (remote.get("items") or {}).get("data") or []
    if not items:
        return None
    return Plan.objects.filter(stripe_price_id=items[0]["price"]["id"]).first()


def sync_subscription(*, stripe_subscription_id: str) -> None:
    """Bring our row in line with what Stripe says now (the order of events does not matter)."""
    remote = stripe.Subscription.retrieve(stripe_subscription_id, **_configured()).to_dict()
    subscription = Subscription.objects.filter(stripe_subscription_id=stripe_subscription_id).first()
    if subscription is None:
        chain_id = (remote.get("metadata") or {}).get("chain_id")
        subscription = Subscription.objects.filter(chain_id=chain_id).first() if chain_id else None
        if subscription is None:
            logger.warning("Stripe subscription %s matches no chain", stripe_subscription_id)
            return
        Subscription.objects.filter(pk=subscription.pk).update(stripe_subscription_id=stripe_subscription_id)
    chain_id = subscription.chain_id
    status = remote["status"]
    period_end = _period_end(remote)
    plan = _plan_of(remote)
    Subscription.objects.filter(pk=subscription.pk).update(
        cancel_at_period_end=bool(remote.get("cancel_at_period_end")),
        stripe_customer_id=remote.get("customer") or subscription.stripe_customer_id,
    )
    if status in ("active", "trialing"):
        current = Subscription.objects.get(pk=subscription.pk)
        if plan is not None and plan.pk == current.pending_plan_id:
            # A downgrade waits for the period end: Stripe already holds the lower price for the next period.
            renewed = period_end and current.current_period_end and period_end > current.current_period_end
            plan = plan if renewed else None
        if current.state != State.ACTIVE or current.current_period_end != period_end or (plan and plan != current.plan):
            services.record_payment_succeeded(
                chain_id=chain_id, provider=Provider.STRIPE, period_end=period_end, plan=plan
            )
    elif status in ("past_due", "unpaid", "incomplete"):
        services.record_payment_failed(chain_id=chain_id, provider=Provider.STRIPE, reason=status)
    elif status in ("canceled", "incomplete_expired"):
        services.record_subscription_ended(chain_id=chain_id)
