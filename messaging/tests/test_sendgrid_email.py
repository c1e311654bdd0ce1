"""Email through the real anymail SendGrid backend against a fake SendGrid: both parts, the unsubscribe headers on
marketing, the provider's message id kept for its tracking events."""

from __future__ import annotations

from django.utils import translation

from messaging.unsubscribe_links import guest_of_token
from tests.fixtures import client_on


def test_marketing_email_has_both_parts_and_one_click_unsubscribe(alpha, sendgrid, send_email_to):
    message = send_email_to("anna@example.com")

    assert message.status == "sent"
    [request] = sendgrid.requests
    payload = request.json
    parts = {content["type"]: content["value"] for content in payload["content"]}
    assert parts["text/plain"] == "Dear guest,\nour autumn menu is here."
    assert "<b>autumn</b>" in parts["text/html"]
    assert payload["personalizations"][0]["to"] == [{"email": "anna@example.com"}]
    headers = payload["headers"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = headers["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"http://{alpha.host}")  # https in production (SITE_SCHEME)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert guest_of_token(token, schema_name=alpha.chain.schema_name) == message.guest_id
    # The id SendGrid's events will carry (anymail's anymail_id custom arg) is the message's provider id.
    assert payload["personalizations"][0]["custom_args"]["anymail_id"] == message.provider_message_id
    assert (message.provider, message.attempts) == ("sendgrid", 1)


def test_the_unsubscribe_link_in_the_header_opens_the_confirm_page(alpha, sendgrid, send_email_to):
    send_email_to("open@example.com")
    link = sendgrid.requests[0].json["headers"]["List-Unsubscribe"].strip("<>")

    with translation.override("en"):
        response = client_on(alpha.host).get(link.split(alpha.host, 1)[1].lstrip(":0123456789"))

    assert response.status_code == 200
    assert "Unsubscribe" in response.content.decode()


def test_transactional_email_carries_no_unsubscribe_header(sendgrid, send_email_to):
    message = send_email_to("receipt@example.com", kind="receipt")

    [request] = sendgrid.requests
    assert message.status == "sent"
    assert "List-Unsubscribe" not in request.json.get("headers", {})
    assert {content["type"] for content in request.json["content"]} == {"text/plain", "text/html"}


def test_a_plain_text_message_gets_an_html_part_too(sendgrid, make_guest, django_capture_on_commit_callbacks):
    from messaging.services import send_to_guest

    guest = make_guest(email="plain@example.com", consents={"email": True})
    with django_capture_on_commit_callbacks(execute=True):
        send_to_guest(guest=guest, kind="receipt", subject="S", text="a < b\nline two", dedupe_key="plain:1")

    parts = {content["type"]: content["value"] for content in sendgrid.requests[0].json["content"]}
    assert parts["text/html"] == "<p>a &lt; b<br>line two</p>"


def test_the_sender_is_the_chains_own_or_its_name_at_the_platforms_address(alpha, sendgrid, send_email_to):
    from messaging.services import update_messaging_settings

    send_email_to("from1@example.com")
    update_messaging_settings(
        actor=alpha.user("owner"), email_sender_name="Alpha Cafe", email_sender_address="hello@alpha.example"
    )
    send_email_to("from2@example.com")

    first, second = (request.json["from"] for request in sendgrid.requests)
    assert first == {"email": "noreply@maxloyalty.local", "name": alpha.chain.name}
    assert second == {"email": "hello@alpha.example", "name": "Alpha Cafe"}
