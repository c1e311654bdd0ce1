"""Every write of billing. Import from here: `from billing.services import change_plan`.

- subscriptions: the life cycle (start_trial, ensure_subscription, record_payment_succeeded/failed,
  record_subscription_ended, advance_subscriptions, send_payment_reminder), plan changes and cancellation
- payments: start_checkout and portal_url at a provider, record_notice / apply_provider_event (what a provider's
  notification changes, once), charge_renewal (the saved card, each period, with the SMS overage not billed yet)
- sms_overage: close_sms_month (a month's SMS parts past the allowance, billed on the next invoice)
"""

from billing.services.payments import apply_provider_event, charge_renewal, portal_url, record_notice, start_checkout
from billing.services.sms_overage import add_charges_to_stripe_invoice, close_sms_month
from billing.services.subscriptions import (
    CHAIN_STATUS_BY_STATE,
    advance_subscriptions,
    apply_pending_plan,
    cancel_at_period_end,
    change_plan,
    ensure_subscription,
    forget_cached_state,
    is_upgrade,
    locked,
    objects_over,
    record_payment_failed,
    record_payment_succeeded,
    record_subscription_ended,
    send_payment_reminder,
    start_trial,
)

__all__ = [
    "CHAIN_STATUS_BY_STATE",
    "add_charges_to_stripe_invoice",
    "advance_subscriptions",
    "apply_pending_plan",
    "apply_provider_event",
    "cancel_at_period_end",
    "change_plan",
    "charge_renewal",
    "close_sms_month",
    "ensure_subscription",
    "forget_cached_state",
    "is_upgrade",
    "locked",
    "objects_over",
    "portal_url",
    "record_notice",
    "record_payment_failed",
    "record_payment_succeeded",
    "record_subscription_ended",
    "send_payment_reminder",
    "start_checkout",
    "start_trial",
]
