"""Celery tasks of the Telegram integration: a few lines each, calling a service, in the chain's schema."""

from __future__ import annotations

import time
from typing import Any

from celery import shared_task

from telegram_bot.models import DeliveryStatus
from telegram_bot.selectors import due_broadcasts
from telegram_bot.services import (
    count_broadcast_delivery,
    deliver,
    handle_update,
    queue_check_receipt,
    queue_outbox_notifications,
    run_broadcast,
)
from telegram_bot.services.updates import forget_processed_updates


@shared_task(acks_late=True)
def process_update(update: dict[str, Any]) -> None:
    handle_update(update=update)


@shared_task(bind=True, acks_late=True, max_retries=10)
def send_delivery(self: Any, delivery_id: int) -> str:
    outcome = deliver(delivery_id=delivery_id)
    while outcome.status == DeliveryStatus.QUEUED and outcome.retry_after is not None:
        if not self.request.is_eager:
            raise self.retry(countdown=outcome.retry_after)  # Telegram's 429: wait as long as it asked
        time.sleep(outcome.retry_after)  # eager (tests, no broker): nothing else can hold the countdown
        outcome = deliver(delivery_id=delivery_id)
    if outcome.broadcast_id is not None:
        count_broadcast_delivery(broadcast_id=outcome.broadcast_id, sent=outcome.status == DeliveryStatus.SENT)
    return outcome.status


@shared_task(acks_late=True)
def send_check_receipts(applied_check_ids: list[int]) -> None:
    for applied_check_id in applied_check_ids:
        queue_check_receipt(applied_check_id=applied_check_id)


@shared_task(acks_late=True)
def start_broadcast(broadcast_id: int) -> int:
    return run_broadcast(broadcast_id=broadcast_id)


@shared_task(acks_late=True)
def forget_old_updates() -> int:
    """Nightly per chain: update ids older than Telegram's redelivery window."""
    return forget_processed_updates()


@shared_task(acks_late=True)
def telegram_chain_tick() -> int:
    """Once a minute per chain: the loyalty app's queued notifications and the broadcasts whose time has come."""
    for broadcast_id in due_broadcasts().values_list("pk", flat=True):
        start_broadcast.delay(broadcast_id)
    return queue_outbox_notifications()
