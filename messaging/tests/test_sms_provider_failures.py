"""What an SMS provider's refusal does: a temporary failure is retried (then given up), a permanent one fails the
message with the owner-readable reason, and an opt-out (Twilio 21610, SMS.ru stop list 209) also withdraws the
guest's SMS consent, audited as the guest's own action."""

from __future__ import annotations

from audit.models import AuditEntry
from guests.models import Guest
from messaging.models import MessageStatus
from messaging.services import MAX_ATTEMPTS, set_sms_provider
from messaging.sms_services import PROVIDER_STOP_LIST


def test_twilio_outage_is_retried_and_the_message_goes_out(alpha, twilio_chain, send_sms_to):
    twilio_chain.fail_next(503)

    message = send_sms_to()

    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)


def test_smsru_outages_until_the_last_attempt_fail_the_message(alpha, smsru_chain, send_sms_to):
    for _ in range(MAX_ATTEMPTS):
        smsru_chain.fail_next(502)

    message = send_sms_to()

    assert (message.status, message.attempts) == (MessageStatus.FAILED, MAX_ATTEMPTS)
    assert message.reason.startswith(f"Gave up after {MAX_ATTEMPTS} attempts")


def test_an_invalid_number_fails_at_once_with_the_reason(alpha, twilio_chain, make_guest, send_sms_to):
    guest = make_guest(consents={"sms": True})
    twilio_chain.invalid_numbers.add(guest.phone)

    message = send_sms_to(guest)

    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert "cannot receive SMS" in message.reason
    assert Guest.objects.get(pk=guest.pk).has_consent("sms")


def test_twilio_unsubscribed_recipient_withdraws_sms_consent(alpha, twilio_chain, make_guest, send_sms_to):
    guest = make_guest(consents={"sms": True})
    twilio_chain.unsubscribed_numbers.add(guest.phone)

    message = send_sms_to(guest)

    assert message.status == MessageStatus.FAILED
    assert "21610" in message.reason
    assert not Guest.objects.get(pk=guest.pk).has_consent("sms")
    entry = AuditEntry.objects.filter(action="guest.consent_withdrawn").latest("id")
    assert (entry.actor_id, entry.data) == (None, {"source": PROVIDER_STOP_LIST})


def test_smsru_stop_list_withdraws_sms_consent(alpha, smsru_chain, make_guest, send_sms_to):
    guest = make_guest(consents={"sms": True})
    smsru_chain.stoplist.add(guest.phone.removeprefix("+"))

    message = send_sms_to(guest)

    assert message.status == MessageStatus.FAILED
    assert not Guest.objects.get(pk=guest.pk).has_consent("sms")


def test_refused_credentials_fail_the_message_with_a_hint(alpha, smsru_chain, send_sms_to):
    set_sms_provider(actor=alpha.user("owner"), provider="smsru", credentials={"api_id": "not-this-account"})

    message = send_sms_to()

    assert message.status == MessageStatus.FAILED
    assert "check the SMS settings" in message.reason
