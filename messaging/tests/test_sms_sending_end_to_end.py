"""An SMS goes out through the chain's provider and comes back delivered: send_to_guest -> deliver_message -> the
fake Twilio / SMS.ru -> the provider's status callback on the chain's host -> the Message is delivered."""

from __future__ import annotations

from urllib.parse import urlsplit

from messaging.models import MessageStatus
from messaging.selectors import messaging_settings
from messaging.sms.tests.fake_sms_providers import smsru_callback
from messaging.sms_services import sms_config, status_callback_url
from messaging.tests.sms_fixtures import TWILIO_SENDER, post_twilio
from tests.fixtures import client_on

LONG_CYRILLIC = "Спасибо за визит! " * 5  # 90 UCS-2 characters: two parts of 67


def test_twilio_sends_the_text_and_its_status_callback_marks_it_delivered(alpha, twilio_chain, send_sms_to):
    message = send_sms_to(text=LONG_CYRILLIC)

    assert (message.channel, message.status, message.provider) == ("sms", MessageStatus.SENT, "twilio")
    assert message.parts == 2
    request = twilio_chain.received[-1]
    assert (request.form["To"], request.form["From"], request.form["Body"]) == (
        message.recipient,
        TWILIO_SENDER,
        LONG_CYRILLIC,
    )
    callback = request.form["StatusCallback"]
    assert urlsplit(callback).netloc.startswith(alpha.host)
    params = {"MessageSid": message.provider_message_id, "MessageStatus": "delivered", "To": message.recipient}

    response = post_twilio(callback, params, twilio_chain.auth_token)

    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert message.delivered_at is not None


def test_twilio_failed_status_keeps_the_error_code(alpha, twilio_chain, send_sms_to):
    message = send_sms_to()
    params = {"MessageSid": message.provider_message_id, "MessageStatus": "undelivered", "ErrorCode": "30003"}

    post_twilio(twilio_chain.received[-1].form["StatusCallback"], params, twilio_chain.auth_token)

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "30003" in message.reason


def test_smsru_sends_the_text_and_its_status_callback_marks_it_delivered(alpha, smsru_chain, send_sms_to):
    message = send_sms_to(text="Thank you!")

    assert (message.channel, message.status, message.provider) == ("sms", MessageStatus.SENT, "smsru")
    assert message.parts == 1
    sent = smsru_chain.received[-1].form
    assert (sent["to"], sent["msg"], sent["from"]) == (message.recipient.removeprefix("+"), "Thank you!", "Alpha")
    token = sms_config(messaging_settings()).callback_token
    assert token
    url = urlsplit(status_callback_url())

    response = client_on(url.netloc).post(
        f"{url.path}?token={token}",
        data=smsru_callback(("sms_status", message.provider_message_id, "103", "1700000000")).urlencode(),
        content_type="application/x-www-form-urlencoded",
        secure=url.scheme == "https",
    )

    assert (response.status_code, response.content) == (200, b"100")  # SMS.ru resends until it reads 100
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED


def test_smsru_failed_status_keeps_the_error_code(alpha, smsru_chain, send_sms_to):
    message = send_sms_to()
    token = sms_config(messaging_settings()).callback_token
    url = urlsplit(status_callback_url())

    client_on(url.netloc).post(
        f"{url.path}?token={token}",
        data=smsru_callback(("sms_status", message.provider_message_id, "104", "1700000000")).urlencode(),
        content_type="application/x-www-form-urlencoded",
    )

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert "104" in message.reason
