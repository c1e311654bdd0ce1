"""Celery tasks of messaging: a few lines each, calling a service, in the chain's schema (the messaging queue)."""

from __future__ import annotations

import time
from typing import Any

from celery import shared_task

from messaging.services import deliver_message as deliver
from messaging.services import deliver_messages as deliver_batch
from messaging.services import queue_due_messages, send_templated_to_guest
from messaging.sms.providers import SmsTemporaryError
from messaging.sms_services import register_status_callback


@shared_task(bind=True, acks_late=True, max_retries=10)
def deliver_message(self: Any, message_id: int) -> str:
    result = deliver(message_id=message_id)
    while result.retry_after is not None:  # the provider was unavailable: the service counts the attempts
        if not self.request.is_eager:
            raise self.retry(countdown=result.retry_after)
        time.sleep(result.retry_after)  # eager (tests, no broker): nothing else can hold the countdown
        result = deliver(message_id=message_id)
    return result.status


@shared_task(acks_late=True)
def deliver_messages(message_ids: list[int], holds: int = 0) -> int:
    """A batch of queued messages (a campaign's); one whose provider was unavailable is retried alone."""
    return len(deliver_batch(message_ids=message_ids, holds=holds))


@shared_task(acks_late=True)
def messaging_chain_tick() -> int:
    """Once a minute per chain: messages whose quiet hours ended, and messages whose task was lost."""
    return queue_due_messages()


@shared_task(acks_late=True)
def send_templated_message(guest_id: int, kind: str, dedupe_key: str, extra_context: dict[str, str]) -> str:
    """A service message the bot could not deliver: the chain's template, by email or SMS where consented."""
    message = send_templated_to_guest(guest_id=guest_id, kind=kind, dedupe_key=dedupe_key, extra_context=extra_context)
    return message.status if message is not None else "missing"


@shared_task(autoretry_for=(SmsTemporaryError,), retry_backoff=30, max_retries=8)
def register_sms_callback() -> int:
    """After the chain saved SMS.ru as its provider: register its status callback URL with SMS.ru."""
    return len(register_status_callback())
