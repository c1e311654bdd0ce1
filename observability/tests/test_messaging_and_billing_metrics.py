"""Telegram deliveries count by outcome (sent, failed) once each; payment webhooks count by provider and outcome."""

from __future__ import annotations

from observability.tests.test_business_metrics import scrape, value
from telegram_bot.models import MessageKind
from telegram_bot.services import queue_message
from telegram_bot.tests.conftest import _fake_telegram_server, alpha_bot, linked_guest, telegram_api  # noqa: F401
from tests.fixtures import client_on

MESSAGES = "maxloyalty_telegram_messages_total"
BILLING = "maxloyalty_billing_webhooks_total"


def test_a_sent_and_a_refused_telegram_message_count_once_each(
    alpha,
    alpha_bot,  # noqa: F811
    telegram_api,  # noqa: F811
    linked_guest,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    reachable, blocked = linked_guest("+79164450001", 5590001), linked_guest("+79164450002", 5590002)
    telegram_api.failures[5590002] = [(403, "Forbidden: bot was blocked by the user", {})]
    before = scrape()

    with django_capture_on_commit_callbacks(execute=True):
        queue_message(guest=reachable, kind=MessageKind.RECEIPT, text="+5", dedupe_key="metrics:sent")
        queue_message(guest=blocked, kind=MessageKind.RECEIPT, text="+5", dedupe_key="metrics:blocked")
    after = scrape()

    assert value(after, MESSAGES, outcome="sent") - value(before, MESSAGES, outcome="sent") == 1
    assert value(after, MESSAGES, outcome="failed") - value(before, MESSAGES, outcome="failed") == 1


def test_refused_payment_webhooks_count_by_provider_and_reason(db, platform_host):
    client = client_on(platform_host)
    before = scrape()

    stripe = client.post("/billing/webhooks/stripe", data=b"{}", content_type="application/json")
    yookassa = client.post(
        "/billing/webhooks/yookassa", data=b"{}", content_type="application/json", REMOTE_ADDR="203.0.113.9"
    )
    after = scrape()

    assert (stripe.status_code, yookassa.status_code) == (400, 403)
    refused_stripe = {"provider": "stripe", "outcome": "signature_invalid"}
    refused_yookassa = {"provider": "yookassa", "outcome": "forbidden_source"}
    assert value(after, BILLING, **refused_stripe) - value(before, BILLING, **refused_stripe) == 1
    assert value(after, BILLING, **refused_yookassa) - value(before, BILLING, **refused_yookassa) == 1
