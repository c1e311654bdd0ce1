"""Tracking webhook calls as SendGrid and Mailgun make them (their documented payloads), posted to a chain's host."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from django.conf import settings

from tests.fixtures import client_on


def basic_auth(secret: str | None = None) -> str:
    credentials = secret if secret is not None else settings.ANYMAIL["WEBHOOK_SECRET"]
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def sendgrid_event(event: str, *, message: Any, chain: str, **fields: Any) -> dict[str, Any]:
    """One event of SendGrid's Event Webhook: our metadata (custom_args) comes back as top-level keys."""
    return {
        "email": message.recipient,
        "timestamp": int(time.time()),
        "event": event,
        "sg_event_id": secrets.token_hex(8),
        "sg_message_id": secrets.token_hex(8),
        "anymail_id": message.provider_message_id,
        "chain": chain,
        "message": str(message.pk),
        **fields,
    }


def post_sendgrid(host: str, events: list[dict[str, Any]], *, secret: str | None = None) -> Any:
    return client_on(host).post(
        "/messaging/webhooks/sendgrid/tracking/",
        json.dumps(events),
        content_type="application/json",
        HTTP_AUTHORIZATION=basic_auth(secret),
    )


def mailgun_event(
    event: str, *, message: Any, chain: str, signing_key: str | None = None, **event_data: Any
) -> dict[str, Any]:
    """A Mailgun webhook body: the event and its signature, HMAC-SHA256(signing key, timestamp + token)."""
    key = signing_key if signing_key is not None else settings.ANYMAIL["MAILGUN_WEBHOOK_SIGNING_KEY"]
    timestamp, token = str(int(time.time())), secrets.token_hex(25)
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": {
            "event": event,
            "timestamp": time.time(),
            "id": secrets.token_hex(8),
            "recipient": message.recipient,
            "message": {"headers": {"message-id": message.provider_message_id.strip("<>")}},
            "user-variables": {"chain": chain, "message": str(message.pk)},
            **event_data,
        },
    }


def post_mailgun(host: str, body: dict[str, Any]) -> Any:
    return client_on(host).post(
        "/messaging/webhooks/mailgun/tracking/",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=basic_auth(),
    )
