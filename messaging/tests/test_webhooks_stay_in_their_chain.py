"""A tracking event about chain A's message never changes chain B, whichever host it reaches."""

from __future__ import annotations

from django_tenants.utils import schema_context

from messaging.models import EmailSuppression, Message
from messaging.tests.webhook_payloads import post_sendgrid, sendgrid_event


def test_chain_a_bounce_posted_to_chain_b_changes_neither(alpha, beta, sendgrid, send_email_to):
    message = send_email_to("shared@example.com")
    event = sendgrid_event("bounce", message=message, chain="alpha", type="bounce", reason="550")

    response = post_sendgrid(beta.host, [event])

    assert response.status_code == 200  # acknowledged, so the provider does not retry forever
    with schema_context(beta.chain.schema_name):
        assert not EmailSuppression.objects.exists()
    with schema_context(alpha.chain.schema_name):
        assert Message.objects.get(pk=message.pk).status == "sent"
        assert not EmailSuppression.objects.exists()


def test_an_event_naming_another_chain_is_ignored_on_this_host(alpha, sendgrid, send_email_to):
    message = send_email_to("named@example.com")
    event = sendgrid_event("bounce", message=message, chain="beta", type="bounce", reason="550")

    post_sendgrid(alpha.host, [event])

    with schema_context(alpha.chain.schema_name):
        assert Message.objects.get(pk=message.pk).status == "sent"
        assert not EmailSuppression.objects.exists()
