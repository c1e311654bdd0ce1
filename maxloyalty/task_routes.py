"""Which Celery queue each task goes to: the one table of task → workload, and the queue names derived from a base.

Each workload has its own queue and its own workers, so a broadcast to 100,000 guests never delays the points of a
check: pos (checks, POS polling and sync), messaging (Telegram sends, broadcasts, bot updates, notifications),
analytics (roll-ups), billing (subscriptions, payments, reminders) and maintenance (purges, imports, the nightly
loyalty jobs, the per-chain fan-out), the last on the base queue itself. Every queue's name starts with the base
(CELERY_QUEUE, by default DEPLOYMENT_NAME-tasks): two deployments, or two test runs, on one Redis never share one.
A task missing from TASK_WORKLOADS fails tests/test_task_routes.py. Settings build CELERY_TASK_ROUTES from this;
workers consume `queue_names(base)` for the workloads they serve (README, Operations).
"""

from __future__ import annotations

from typing import Final

POS: Final = "pos"
MESSAGING: Final = "messaging"
ANALYTICS: Final = "analytics"
BILLING: Final = "billing"
MAINTENANCE: Final = "maintenance"
# Most urgent first: a worker consuming several queues (`make run`'s) takes from the first that has work.
WORKLOADS: Final = (POS, MESSAGING, BILLING, ANALYTICS, MAINTENANCE)

TASK_WORKLOADS: Final[dict[str, str]] = {
    "pos.tasks.drain_receipts": POS,
    "pos.tasks.sync_pos_connection": POS,
    "pos.tasks.fetch_pos_orders": POS,
    "pos.tasks.pos_chain_tick": POS,
    "telegram_bot.tasks.process_update": MESSAGING,
    "telegram_bot.tasks.send_delivery": MESSAGING,
    "telegram_bot.tasks.send_check_receipts": MESSAGING,
    "telegram_bot.tasks.start_broadcast": MESSAGING,
    "telegram_bot.tasks.telegram_chain_tick": MESSAGING,
    "messaging.tasks.deliver_message": MESSAGING,
    "messaging.tasks.deliver_messages": MESSAGING,
    "messaging.tasks.messaging_chain_tick": MESSAGING,
    "messaging.tasks.send_templated_message": MESSAGING,
    "messaging.tasks.register_sms_callback": MESSAGING,
    "campaigns.tasks.send_campaign_batch": MESSAGING,
    "campaigns.tasks.campaigns_chain_tick": MESSAGING,
    "automations.tasks.run_event_automations_task": MESSAGING,
    "automations.tasks.automations_day": MESSAGING,
    "feedback.tasks.feedback_chain_tick": MESSAGING,
    "feedback.tasks.alert_low_rating": MESSAGING,
    "wallet.tasks.update_wallet_cards": MESSAGING,
    "wallet.tasks.update_wallet_class": MESSAGING,
    "analytics.tasks.roll_up_daily_stats": ANALYTICS,
    "analytics.tasks.refresh_liability_snapshot": ANALYTICS,
    "analytics.tasks.refresh_figures": ANALYTICS,
    # The fraud rules: never on the POS queue, so a check's points are never behind them (fraud.signals).
    "fraud.tasks.check_guests_task": ANALYTICS,
    "fraud.tasks.fraud_night": ANALYTICS,
    "fraud.tasks.send_flag_alerts": MESSAGING,
    "billing.tasks.advance_subscriptions": BILLING,
    "billing.tasks.charge_yookassa_renewals": BILLING,
    "billing.tasks.charge_yookassa_renewal": BILLING,
    "billing.tasks.send_payment_reminder_email": BILLING,
    "billing.tasks.close_sms_month": BILLING,
    "tenants.tasks.run_in_every_chain": MAINTENANCE,  # beat's fan-out: sent to its target's queue (settings)
    "tenants.tasks.purge_expired_signups": MAINTENANCE,
    "tenants.tasks.maintain_partitions_task": MAINTENANCE,
    "audit.tasks.purge_expired_audit_entries": MAINTENANCE,
    "pos.tasks.purge_pos_history": MAINTENANCE,
    "pos.tasks.archive_old_receipts": MAINTENANCE,
    "telegram_bot.tasks.forget_old_updates": MAINTENANCE,
    "guests.tasks.import_guests_job": MAINTENANCE,
    "guests.tasks.export_guests_job": MAINTENANCE,  # large guest exports written into the chain's files
    "guests.tasks.purge_old_guest_exports": MAINTENANCE,
    "guests.tasks.scan_for_duplicates": MAINTENANCE,  # compares the whole chain: seconds at 1M guests
    "loyalty.tasks.activate_pending_points_task": MAINTENANCE,
    "loyalty.tasks.loyalty_night": MAINTENANCE,
    "loyalty.tasks.publish_due_drafts_task": MAINTENANCE,
    "loyalty.tasks.run_backtest_task": ANALYTICS,  # a long replay of past checks: never in front of the nightly jobs
    "loyalty.tasks.expire_points_task": MAINTENANCE,
    "loyalty.tasks.grant_birthday_bonuses_task": MAINTENANCE,
    "loyalty.tasks.reevaluate_levels_task": MAINTENANCE,
}


def queue_names(base: str, workloads: tuple[str, ...] = WORKLOADS) -> list[str]:
    """The queues of `workloads` (in that order) under the base name: `base.pos`, ..., and `base` for maintenance."""
    return [base if workload == MAINTENANCE else f"{base}.{workload}" for workload in workloads]


def queue_of(task_name: str, base: str) -> str:
    """The queue `task_name` goes to; KeyError for a task the table does not name."""
    return queue_names(base, (TASK_WORKLOADS[task_name],))[0]


def task_routes(base: str) -> dict[str, dict[str, str]]:
    """CELERY_TASK_ROUTES: every task of the table to its workload's queue."""
    return {task_name: {"queue": queue_of(task_name, base)} for task_name in TASK_WORKLOADS}
