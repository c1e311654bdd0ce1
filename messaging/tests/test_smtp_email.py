"""Email through Django's SMTP backend to an aiosmtpd sink started by the test: two parts, the unsubscribe headers,
our Message-ID kept as the provider's id; a temporary SMTP refusal is retried."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class Sink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refusals: list[str] = []  # answers to give to the next DATA commands first

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802  (aiosmtpd's hook name)
        if self.refusals:
            return self.refusals.pop(0)
        parsed = email.message_from_bytes(envelope.content, _class=EmailMessage, policy=email.policy.default)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_sink(settings: Any) -> Iterator[Sink]:
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = settings.EMAIL_PROVIDER_BACKENDS["smtp"]
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    yield sink
    controller.stop()


def test_smtp_email_has_both_parts_and_the_unsubscribe_headers(smtp_sink, send_email_to):
    message = send_email_to("smtp@example.com")

    [received] = smtp_sink.messages
    assert message.status == "sent"
    assert received["To"] == "smtp@example.com"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["List-Unsubscribe"].strip().startswith("<http")  # folded onto its own line: long
    assert (
        received.get_body(("plain",)).get_content().replace("\r\n", "\n").strip()
        == "Dear guest,\nour autumn menu is here."
    )
    assert "<b>autumn</b>" in received.get_body(("html",)).get_content()
    assert (message.provider, message.provider_message_id) == ("smtp", received["Message-ID"])


def test_a_temporary_smtp_refusal_is_retried(smtp_sink, send_email_to):
    smtp_sink.refusals.append("451 Try again later")

    message = send_email_to("later@example.com")

    assert (message.status, message.attempts, len(smtp_sink.messages)) == ("sent", 2, 1)


def test_a_permanent_smtp_refusal_fails_the_message(smtp_sink, send_email_to):
    smtp_sink.refusals.append("554 Transaction failed")

    message = send_email_to("never@example.com")

    assert (message.status, message.attempts, smtp_sink.messages) == ("failed", 1, [])
    assert "554" in message.reason
