"""Opens and clicks reported by the email providers' tracking webhooks: the first open and the first click are kept
on the message, a click counts as an open, and neither changes its delivery status."""

from __future__ import annotations

import time

from django_tenants.utils import schema_context

from messaging.models import Message
from messaging.tests.webhook_payloads import mailgun_event, post_mailgun, post_sendgrid, sendgrid_event


def _reload(world, message) -> Message:
    with schema_context(world.chain.schema_name):
        return Message.objects.get(pk=message.pk)


def test_a_sendgrid_open_is_kept_and_the_message_stays_delivered(alpha, sendgrid, send_email_to):
    message = send_email_to("open@example.com")
    post_sendgrid(alpha.host, [sendgrid_event("delivered", message=message, chain="alpha")])

    response = post_sendgrid(alpha.host, [sendgrid_event("open", message=message, chain="alpha")])

    message = _reload(alpha, message)
    assert response.status_code == 200
    assert message.status == "delivered"
    assert message.opened_at is not None and message.clicked_at is None


def test_a_sendgrid_click_is_also_an_open(alpha, sendgrid, send_email_to):
    message = send_email_to("click@example.com")

    post_sendgrid(
        alpha.host, [sendgrid_event("click", message=message, chain="alpha", url="https://alpha.example/menu")]
    )

    message = _reload(alpha, message)
    assert message.status == "sent"
    assert message.clicked_at is not None and message.opened_at == message.clicked_at


def test_the_first_open_is_kept_whatever_order_the_events_arrive_in(alpha, sendgrid, send_email_to):
    message = send_email_to("twice@example.com")
    now = int(time.time())

    post_sendgrid(alpha.host, [sendgrid_event("open", message=message, chain="alpha", timestamp=now - 60)])
    post_sendgrid(alpha.host, [sendgrid_event("open", message=message, chain="alpha", timestamp=now - 600)])
    post_sendgrid(alpha.host, [sendgrid_event("open", message=message, chain="alpha", timestamp=now)])

    assert _reload(alpha, message).opened_at.timestamp() == now - 600


def test_an_open_does_not_undo_a_bounce(alpha, sendgrid, send_email_to):
    message = send_email_to("bounced-open@example.com")

    post_sendgrid(alpha.host, [sendgrid_event("bounce", message=message, chain="alpha", type="bounce", reason="550")])
    post_sendgrid(alpha.host, [sendgrid_event("open", message=message, chain="alpha")])

    assert _reload(alpha, message).status == "bounced"


def test_mailgun_opened_and_clicked_events_are_kept(alpha, mailgun, send_email_to):
    opened, clicked = send_email_to("mg-open@example.com"), send_email_to("mg-click@example.com")

    ok = post_mailgun(alpha.host, mailgun_event("opened", message=opened, chain="alpha"))
    post_mailgun(alpha.host, mailgun_event("clicked", message=clicked, chain="alpha", url="https://alpha.example/"))

    opened, clicked = _reload(alpha, opened), _reload(alpha, clicked)
    assert ok.status_code == 200
    assert (opened.opened_at is not None, opened.clicked_at) == (True, None)
    assert clicked.clicked_at is not None and clicked.opened_at is not None
    assert {opened.status, clicked.status} == {"sent"}


def test_an_open_naming_another_chain_changes_nothing(alpha, sendgrid, send_email_to):
    message = send_email_to("elsewhere@example.com")

    post_sendgrid(alpha.host, [sendgrid_event("open", message=message, chain="beta")])

    assert _reload(alpha, message).opened_at is None
