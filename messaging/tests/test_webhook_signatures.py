"""Tracking webhooks are refused without the shared basic-auth secret, and Mailgun's without its valid signature;
a refused call changes nothing."""

from __future__ import annotations

from django_tenants.utils import schema_context

from messaging.models import Message
from messaging.tests.webhook_payloads import mailgun_event, post_mailgun, post_sendgrid, sendgrid_event
from tests.fixtures import client_on


def test_sendgrid_webhook_with_a_wrong_secret_is_refused(alpha, sendgrid, send_email_to):
    message = send_email_to("auth@example.com")

    response = post_sendgrid(
        alpha.host, [sendgrid_event("delivered", message=message, chain="alpha")], secret="anymail:guess"
    )

    assert response.status_code == 400  # anymail: AnymailWebhookValidationFailure, a SuspiciousOperation
    with schema_context(alpha.chain.schema_name):
        assert Message.objects.get(pk=message.pk).status == "sent"


def test_sendgrid_webhook_without_credentials_is_refused(alpha, sendgrid, send_email_to):
    message = send_email_to("noauth@example.com")

    response = client_on(alpha.host).post(
        "/messaging/webhooks/sendgrid/tracking/", "[]", content_type="application/json"
    )

    assert response.status_code == 400  # anymail: AnymailWebhookValidationFailure, a SuspiciousOperation
    with schema_context(alpha.chain.schema_name):
        assert Message.objects.get(pk=message.pk).status == "sent"


def test_mailgun_webhook_with_a_wrong_signature_is_refused(alpha, mailgun, send_email_to):
    message = send_email_to("sig@example.com")
    body = mailgun_event("delivered", message=message, chain="alpha", signing_key="not-the-key")

    response = post_mailgun(alpha.host, body)

    assert response.status_code == 400
    with schema_context(alpha.chain.schema_name):
        assert Message.objects.get(pk=message.pk).status == "sent"


def test_mailgun_webhook_is_absent_without_a_signing_key(alpha, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": settings.ANYMAIL["WEBHOOK_SECRET"]}

    response = client_on(alpha.host).post(
        "/messaging/webhooks/mailgun/tracking/", "{}", content_type="application/json"
    )

    assert response.status_code == 404
