"""An SMS provider's callback is read only when it proves itself to the chain's provider: a wrong Twilio signature
or SMS.ru token is refused with 403 and changes nothing; a chain with another provider (or none) answers 404."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.urls import reverse

from guests.models import Guest
from messaging.models import MessageStatus
from messaging.services import set_sms_provider
from messaging.sms.tests.fake_sms_providers import smsru_callback
from messaging.sms_services import status_callback_url
from messaging.tests.sms_fixtures import TWILIO_SENDER, post_twilio
from tests.fixtures import client_on


def test_a_status_signed_with_another_token_is_refused(alpha, twilio_chain, send_sms_to):
    message = send_sms_to()
    params = {"MessageSid": message.provider_message_id, "MessageStatus": "delivered"}

    response = post_twilio(status_callback_url(), params, "not-the-auth-token")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invalid_signature"
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_a_status_signed_over_another_url_is_refused(alpha, twilio_chain, send_sms_to):
    message = send_sms_to()
    params = {"MessageSid": message.provider_message_id, "MessageStatus": "delivered"}

    response = post_twilio(status_callback_url(), params, twilio_chain.auth_token, signed_url="https://evil.test/")

    assert response.status_code == 403


def test_a_stop_reply_with_a_bad_signature_keeps_consent(alpha, twilio_chain, make_guest):
    guest = make_guest(consents={"sms": True})
    url = f"{alpha.chain.base_url}{reverse('messaging:sms-twilio-inbound')}"
    params = {"From": guest.phone, "To": TWILIO_SENDER, "Body": "STOP"}

    response = post_twilio(url, params, "forged")

    assert response.status_code == 403
    assert Guest.objects.get(pk=guest.pk).has_consent("sms")


def test_an_smsru_status_without_the_token_is_refused(alpha, smsru_chain, send_sms_to):
    message = send_sms_to()
    url = urlsplit(status_callback_url())

    response = client_on(url.netloc).post(
        f"{url.path}?token=guessed",
        data=smsru_callback(("sms_status", message.provider_message_id, "103", "1700000000")).urlencode(),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_a_callback_for_a_provider_the_chain_does_not_use_is_not_found(alpha, twilio):
    set_sms_provider(actor=alpha.user("owner"), provider="", credentials={})
    url = f"{alpha.chain.base_url}{reverse('messaging:sms-twilio-status')}"

    response = post_twilio(url, {"MessageSid": "SM1", "MessageStatus": "delivered"}, twilio.auth_token)

    assert response.status_code == 404
