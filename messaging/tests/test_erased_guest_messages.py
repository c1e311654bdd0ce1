"""Erasing a guest (right to be forgotten) scrubs the message log's copies of them and their address's suppression."""

from __future__ import annotations

from guests.services import erase_guest
from messaging.models import EmailSuppression, Message, SuppressionReason
from messaging.services import suppress_email


def test_erasure_scrubs_messages_and_the_suppressed_address(alpha, sendgrid, send_email_to):
    message = send_email_to("forget.me@example.com")
    suppress_email(address="forget.me@example.com", reason=SuppressionReason.BOUNCED)

    erase_guest(guest=message.guest, access=None, reason="guest asked")

    message = Message.objects.get(pk=message.pk)
    assert (message.recipient, message.subject, message.text_body, message.html_body) == ("[erased]",) * 4
    assert not EmailSuppression.objects.filter(address="forget.me@example.com").exists()
