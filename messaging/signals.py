"""The email provider's tracking events (anymail.signals.tracking) into the message log: one receiver, one service.

Anymail's webhook views (messaging.webhooks) check the request and normalize the provider's payload; the receiver
runs in the request's chain schema and hands each event to messaging.services.record_email_event.
"""

from __future__ import annotations

from typing import Any

from anymail.signals import AnymailTrackingEvent, tracking
from django.dispatch import receiver

from messaging.services import record_email_event


@receiver(tracking, dispatch_uid="messaging.email_tracking")
def take_email_tracking_event(sender: object, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    record_email_event(
        event_type=str(event.event_type),
        provider_message_id=str(event.message_id or ""),
        metadata=dict(event.metadata or {}),
        description=str(event.description or event.mta_response or ""),
        timestamp=event.timestamp,
    )
