"""The providers' tracking webhooks update the message by its provider id: delivered, a hard bounce or a complaint
(which also suppress the address: no more email to it), unsubscribed (email consent withdrawn)."""

from __future__ import annotations

from django_tenants.utils import schema_context

from guests.models import Guest
from messaging.channels import Refusal
from messaging.models import EmailSuppression, Message
from messaging.services import send_to_guest
from messaging.tests.webhook_payloads import mailgun_event, post_mailgun, post_sendgrid, sendgrid_event


def _reload(world, message) -> Message:
    with schema_context(world.chain.schema_name):
        return Message.objects.get(pk=message.pk)


def test_sendgrid_delivered_marks_the_message_delivered(alpha, sendgrid, send_email_to):
    message = send_email_to("d@example.com")

    response = post_sendgrid(alpha.host, [sendgrid_event("delivered", message=message, chain="alpha")])

    message = _reload(alpha, message)
    assert response.status_code == 200
    assert message.status == "delivered" and message.delivered_at is not None


def test_a_hard_bounce_suppresses_the_address_and_stops_email(alpha, sendgrid, send_email_to):
    message = send_email_to("Gone@Example.com")
    event = sendgrid_event("bounce", message=message, chain="alpha", type="bounce", reason="550 5.1.1 user unknown")

    post_sendgrid(alpha.host, [event])

    with schema_context(alpha.chain.schema_name):
        message = Message.objects.get(pk=message.pk)
        assert (message.status, message.reason) == ("bounced", "550 5.1.1 user unknown")
        assert EmailSuppression.objects.filter(address="gone@example.com", reason="bounced").exists()
        again = send_to_guest(guest=message.guest, kind="promo", text="x", dedupe_key="after-bounce")
        assert (again.status, again.reason) == ("suppressed", Refusal.UNREACHABLE)


def test_a_spam_complaint_suppresses_the_address(alpha, sendgrid, send_email_to):
    message = send_email_to("spam@example.com")

    post_sendgrid(alpha.host, [sendgrid_event("spamreport", message=message, chain="alpha")])

    with schema_context(alpha.chain.schema_name):
        assert Message.objects.get(pk=message.pk).status == "complained"
        assert EmailSuppression.objects.filter(address="spam@example.com", reason="complained").exists()


def test_unsubscribed_at_the_provider_withdraws_email_consent(alpha, sendgrid, send_email_to):
    message = send_email_to("unsub@example.com")

    post_sendgrid(alpha.host, [sendgrid_event("unsubscribe", message=message, chain="alpha")])

    with schema_context(alpha.chain.schema_name):
        assert not Guest.objects.get(pk=message.guest_id).has_consent("email")


def test_a_delivered_event_after_a_bounce_does_not_undo_it(alpha, sendgrid, send_email_to):
    message = send_email_to("order@example.com")

    post_sendgrid(alpha.host, [sendgrid_event("bounce", message=message, chain="alpha", type="bounce", reason="550")])
    post_sendgrid(alpha.host, [sendgrid_event("delivered", message=message, chain="alpha")])

    assert _reload(alpha, message).status == "bounced"


def test_mailgun_signed_events_update_the_message(alpha, mailgun, send_email_to):
    delivered, failed = send_email_to("mg1@example.com"), send_email_to("mg2@example.com")

    ok = post_mailgun(alpha.host, mailgun_event("delivered", message=delivered, chain="alpha"))
    post_mailgun(
        alpha.host,
        mailgun_event("failed", message=failed, chain="alpha", severity="permanent", reason="bounce"),
    )

    assert ok.status_code == 200
    assert _reload(alpha, delivered).status == "delivered"
    assert _reload(alpha, failed).status == "bounced"


def test_a_mailgun_temporary_failure_changes_nothing(alpha, mailgun, send_email_to):
    message = send_email_to("soft@example.com")

    post_mailgun(alpha.host, mailgun_event("failed", message=message, chain="alpha", severity="temporary"))

    with schema_context(alpha.chain.schema_name):
        assert Message.objects.get(pk=message.pk).status == "sent"
        assert not EmailSuppression.objects.filter(address="soft@example.com").exists()
