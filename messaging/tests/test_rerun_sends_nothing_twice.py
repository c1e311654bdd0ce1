"""A message is sent once: the same dedupe key logs nothing new, and a redelivered task finds it already sent."""

from __future__ import annotations

from messaging.services import deliver_message


def test_a_second_send_with_the_same_key_sends_no_second_email(sendgrid, send_email_to):
    first = send_email_to("once@example.com", key="once:1")

    from messaging.services import send_to_guest

    again = send_to_guest(guest=first.guest, kind="promo", text="again", dedupe_key="once:1")

    assert again.pk == first.pk
    assert len(sendgrid.requests) == 1


def test_a_redelivered_task_sends_nothing(sendgrid, send_email_to):
    message = send_email_to("redelivered@example.com")

    result = deliver_message(message_id=message.pk)

    assert result.status == "sent"
    assert len(sendgrid.requests) == 1
