"""Every write of billing. Import from here: `from billing.services import change_plan`.

- subscriptions: the life cycle (start_trial, ensure_subscription, record_payment_succeeded/failed,
  record_subscription_ended, advance_subscriptions, send_payment_reminder), plan changes and cancellation
- payments: start_checkout and portal_url at a provider, record_notice / apply_provider_event (what a provider's
  notification changes, once), charge_renewal (the saved card, each period)
"""

from billing.services.payments import apply_provider_event, charge_renewal, portal_url, record_notice, start_checkout
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
    "advance_subscriptions",
    "apply_pending_plan",
    "apply_provider_event",
    "cancel_at_period_end",
    "change_plan",
    "charge_renewal",
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
