"""A template becomes the content of the channel chosen: email gets its subject, HTML part (values escaped) and
text part; SMS gets the SMS text; Telegram gets the Telegram text through the bot."""

from __future__ import annotations

from messaging.models import Message
from messaging.services import save_message_template, send_templated, set_sms_provider
from messaging.tests.conftest import NOON_UTC

TEXTS = {
    "email_subject": "Points for {{ first_name }}",
    "email_html": "<p>Dear {{ first_name }}: +{{ earned_points }}</p>",
    "email_text": "Dear {{ first_name }}: +{{ earned_points }}",
    "sms_text": "SMS +{{ earned_points }}, balance {{ points }}",
    "telegram_text": "TG +{{ earned_points }} for {{ first_name }}",
}
EXTRA = {"earned_points": "120", "spent_points": "0"}


def test_email_gets_subject_and_both_parts(alpha, sendgrid, make_guest, django_capture_on_commit_callbacks):
    save_message_template(actor=alpha.user("owner"), kind="receipt", language="en", texts=TEXTS)
    guest = make_guest(email="tom@example.com", consents={"email": True}, first_name="Tom <&>")

    with django_capture_on_commit_callbacks(execute=True):
        send_templated(guest=guest, kind="receipt", dedupe_key="ch:1", extra_context=EXTRA, now=NOON_UTC)

    [request] = sendgrid.requests
    parts = {content["type"]: content["value"] for content in request.json["content"]}
    assert request.json["subject"] == "Points for Tom <&>"
    assert parts["text/plain"] == "Dear Tom <&>: +120"
    assert parts["text/html"] == "<p>Dear Tom &lt;&amp;&gt;: +120</p>"


def test_sms_gets_the_sms_text(alpha, make_guest):
    owner = alpha.user("owner")
    save_message_template(actor=owner, kind="receipt", language="en", texts=TEXTS)
    set_sms_provider(actor=owner, provider="smsru", credentials={"api_id": "x"}, sender_name="Alpha")
    guest = make_guest(consents={"sms": True})

    message = send_templated(guest=guest, kind="receipt", dedupe_key="ch:2", extra_context=EXTRA, now=NOON_UTC)

    message = Message.objects.get(pk=message.pk)
    assert (message.channel, message.text_body, message.subject, message.html_body) == (
        "sms",
        "SMS +120, balance 0",
        "",
        "",
    )


def test_telegram_gets_the_telegram_text(
    alpha, alpha_bot, telegram_api, linked_guest, django_capture_on_commit_callbacks
):
    save_message_template(actor=alpha.user("owner"), kind="receipt", language="en", texts=TEXTS)
    guest = linked_guest("+79165590001", 5590001, first_name="Ann")

    with django_capture_on_commit_callbacks(execute=True):
        message = send_templated(guest=guest, kind="receipt", dedupe_key="ch:3", extra_context=EXTRA, now=NOON_UTC)

    assert telegram_api.texts(5590001) == ["TG +120 for Ann"]
    assert Message.objects.get(pk=message.pk).status == "sent"


def test_a_guest_without_consent_gets_nothing(alpha, make_guest):
    guest = make_guest(email="none@example.com", consents={})

    message = send_templated(guest=guest, kind="receipt", dedupe_key="ch:4", extra_context=EXTRA, now=NOON_UTC)

    assert (message.channel, message.status) == ("", "suppressed")
