"""Messages to guests are counted by channel and outcome on /metrics."""

from __future__ import annotations

from observability.tests.test_business_metrics import scrape, value

NAME = "maxloyalty_guest_messages_total"


def test_a_sent_and_a_refused_message_are_counted(alpha, sendgrid, send_email_to, make_guest):
    from messaging.services import send_to_guest

    before = scrape()
    send_email_to("counted@example.com")
    send_to_guest(guest=make_guest(email="no@example.com"), kind="promo", text="x", dedupe_key="metrics:refused")
    after = scrape()

    assert (
        value(after, NAME, channel="email", outcome="sent") - value(before, NAME, channel="email", outcome="sent") == 1
    )
    assert (
        value(after, NAME, channel="none", outcome="suppressed")
        - value(before, NAME, channel="none", outcome="suppressed")
        == 1
    )
