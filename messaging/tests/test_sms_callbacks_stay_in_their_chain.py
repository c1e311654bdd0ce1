"""An SMS provider's callback about chain A never changes chain B, whichever host it reaches (both directions):
a status for A's message posted to B's host, a STOP from a number both chains know, A's SMS.ru token on B."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.urls import reverse
from django_tenants.utils import schema_context

from guests.models import Guest
from guests.services import create_guest
from messaging.models import Message, MessageStatus
from messaging.selectors import messaging_settings
from messaging.services import send_to_guest, set_sms_provider
from messaging.sms.tests.fake_sms_providers import smsru_callback
from messaging.sms_services import sms_config
from messaging.tests.conftest import NOON_UTC, next_phone
from messaging.tests.sms_fixtures import TWILIO_SENDER, post_twilio
from tests.fixtures import client_on


def _beta_sends_by_twilio(beta, twilio, phone: str, capture) -> Message:
    with schema_context(beta.chain.schema_name):
        set_sms_provider(
            actor=beta.user("owner"),
            provider="twilio",
            credentials={"account_sid": twilio.account_sid, "auth_token": twilio.auth_token},
            sender_name=TWILIO_SENDER,
        )
        guest = create_guest(access=None, phone=phone, consents={"sms": True}, language="en")
        with capture(execute=True):
            message = send_to_guest(guest=guest, kind="receipt", text="Hi from Beta", dedupe_key="b:1", now=NOON_UTC)
        return Message.objects.get(pk=message.pk)


def _status_url(world) -> str:
    return f"{world.chain.base_url}{reverse('messaging:sms-twilio-status')}"


def test_a_status_of_chain_a_posted_to_chain_b_changes_neither(
    alpha, beta, twilio_chain, send_sms_to, django_capture_on_commit_callbacks
):
    alpha_message = send_sms_to()
    beta_message = _beta_sends_by_twilio(beta, twilio_chain, next_phone(), django_capture_on_commit_callbacks)
    params = {"MessageSid": alpha_message.provider_message_id, "MessageStatus": "delivered"}

    response = post_twilio(_status_url(beta), params, twilio_chain.auth_token)

    assert response.status_code == 200  # acknowledged: Twilio does not retry, and nothing is found
    with schema_context(alpha.chain.schema_name):
        assert Message.objects.get(pk=alpha_message.pk).status == MessageStatus.SENT
    with schema_context(beta.chain.schema_name):
        assert Message.objects.get(pk=beta_message.pk).status == MessageStatus.SENT


def test_a_status_of_chain_b_posted_to_chain_a_changes_neither(
    alpha, beta, twilio_chain, send_sms_to, django_capture_on_commit_callbacks
):
    alpha_message = send_sms_to()
    beta_message = _beta_sends_by_twilio(beta, twilio_chain, next_phone(), django_capture_on_commit_callbacks)
    params = {"MessageSid": beta_message.provider_message_id, "MessageStatus": "delivered"}

    post_twilio(_status_url(alpha), params, twilio_chain.auth_token)

    with schema_context(beta.chain.schema_name):
        assert Message.objects.get(pk=beta_message.pk).status == MessageStatus.SENT
    with schema_context(alpha.chain.schema_name):
        assert Message.objects.get(pk=alpha_message.pk).status == MessageStatus.SENT


def test_a_stop_to_chain_a_keeps_chain_b_consent(alpha, beta, twilio_chain, django_capture_on_commit_callbacks):
    phone = next_phone()
    alpha_guest = create_guest(access=None, phone=phone, consents={"sms": True}, language="en")
    _beta_sends_by_twilio(beta, twilio_chain, phone, django_capture_on_commit_callbacks)
    params = {"From": phone, "To": TWILIO_SENDER, "Body": "STOP"}

    post_twilio(f"{alpha.chain.base_url}{reverse('messaging:sms-twilio-inbound')}", params, twilio_chain.auth_token)

    with schema_context(alpha.chain.schema_name):
        assert not Guest.objects.get(pk=alpha_guest.pk).has_consent("sms")
    with schema_context(beta.chain.schema_name):
        assert Guest.objects.get(phone=phone).has_consent("sms")


def test_a_stop_to_chain_b_keeps_chain_a_consent(alpha, beta, twilio_chain, django_capture_on_commit_callbacks):
    phone = next_phone()
    alpha_guest = create_guest(access=None, phone=phone, consents={"sms": True}, language="en")
    _beta_sends_by_twilio(beta, twilio_chain, phone, django_capture_on_commit_callbacks)
    params = {"From": phone, "To": TWILIO_SENDER, "Body": "STOP"}

    post_twilio(f"{beta.chain.base_url}{reverse('messaging:sms-twilio-inbound')}", params, twilio_chain.auth_token)

    with schema_context(beta.chain.schema_name):
        assert not Guest.objects.get(phone=phone).has_consent("sms")
    with schema_context(alpha.chain.schema_name):
        assert Guest.objects.get(pk=alpha_guest.pk).has_consent("sms")


def test_chain_a_smsru_token_is_refused_on_chain_b(alpha, beta, smsru_chain, send_sms_to):
    message = send_sms_to()
    alpha_token = sms_config(messaging_settings()).callback_token
    with schema_context(beta.chain.schema_name):
        set_sms_provider(actor=beta.user("owner"), provider="smsru", credentials={"api_id": smsru_chain.api_id})
    url = urlsplit(f"{beta.chain.base_url}{reverse('messaging:sms-smsru-status')}")

    response = client_on(url.netloc).post(
        f"{url.path}?token={alpha_token}",
        data=smsru_callback(("sms_status", message.provider_message_id, "103", "1700000000")).urlencode(),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 403
    with schema_context(alpha.chain.schema_name):
        assert Message.objects.get(pk=message.pk).status == MessageStatus.SENT
