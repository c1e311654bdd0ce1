"""A guest who answers STOP to the chain's Twilio number loses SMS consent, audited as their own action; any other
reply changes nothing."""

from __future__ import annotations

from django.urls import reverse

from audit.models import AuditEntry
from guests.models import Guest
from messaging.sms_services import STOP_REPLY
from messaging.tests.sms_fixtures import TWILIO_SENDER, post_twilio


def _inbound_url(alpha) -> str:
    return f"{alpha.chain.base_url}{reverse('messaging:sms-twilio-inbound')}"


def test_a_stop_reply_withdraws_sms_consent(alpha, twilio_chain, make_guest):
    guest = make_guest(consents={"sms": True})
    params = {"MessageSid": "SM" + "b" * 32, "From": guest.phone, "To": TWILIO_SENDER, "Body": "STOP"}

    response = post_twilio(_inbound_url(alpha), params, twilio_chain.auth_token)

    assert response.status_code == 200
    assert not Guest.objects.get(pk=guest.pk).has_consent("sms")
    entry = AuditEntry.objects.filter(action="guest.consent_withdrawn").latest("id")
    assert (entry.actor_id, entry.data) == (None, {"source": STOP_REPLY})


def test_another_reply_keeps_sms_consent(alpha, twilio_chain, make_guest):
    guest = make_guest(consents={"sms": True})
    params = {"MessageSid": "SM" + "c" * 32, "From": guest.phone, "To": TWILIO_SENDER, "Body": "Thanks!"}

    response = post_twilio(_inbound_url(alpha), params, twilio_chain.auth_token)

    assert response.status_code == 200
    assert Guest.objects.get(pk=guest.pk).has_consent("sms")
