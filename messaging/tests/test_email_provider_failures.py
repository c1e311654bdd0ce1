"""A provider's 5xx is retried by the task (the same message, no second log row), a 4xx fails the message with the
reason and is not retried, and a provider that stays down fails the message after the last attempt."""

from __future__ import annotations

from messaging.services import MAX_ATTEMPTS


def test_a_sendgrid_5xx_is_retried_and_then_sent(sendgrid, send_email_to):
    sendgrid.failures.append((503, '{"errors": [{"message": "service unavailable"}]}'))

    message = send_email_to("retry@example.com")

    assert len(sendgrid.requests) == 2
    assert (message.status, message.attempts) == ("sent", 2)


def test_a_sendgrid_4xx_fails_the_message_with_the_reason(sendgrid, send_email_to):
    sendgrid.failures.append((400, '{"errors": [{"message": "The to email does not contain a valid address."}]}'))

    message = send_email_to("bad@example.com")

    assert len(sendgrid.requests) == 1
    assert message.status == "failed"
    assert "400" in message.reason and "valid address" in message.reason


def test_mailgun_down_for_every_attempt_fails_the_message(mailgun, send_email_to):
    mailgun.failures.extend([(502, "Bad Gateway")] * (MAX_ATTEMPTS + 2))

    message = send_email_to("down@example.com")

    assert len(mailgun.requests) == MAX_ATTEMPTS
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    assert "502" in message.reason


def test_mailgun_sends_both_parts_and_the_unsubscribe_headers(mailgun, send_email_to):
    message = send_email_to("mg@example.com")

    [request] = mailgun.requests
    assert request.path == "/v3/mg.alpha.example/messages"
    assert request.form_values("text") == ["Dear guest,\nour autumn menu is here."]
    assert "<b>autumn</b>" in request.form_values("html")[0]
    assert request.form_values("h:List-Unsubscribe-Post") == ["List-Unsubscribe=One-Click"]
    assert request.form_values("h:List-Unsubscribe")[0].startswith("<http")
    assert message.status == "sent"
    assert message.provider == "mailgun" and message.provider_message_id.endswith("@mg.alpha.example>")
