"""Never a channel without consent: given and not withdrawn since, per channel."""

from __future__ import annotations

from guests.services import set_consent
from messaging.channels import Refusal, choose_channel
from messaging.selectors import messaging_settings
from messaging.services import send_to_guest


def test_a_guest_without_any_consent_gets_nothing(make_guest, django_capture_on_commit_callbacks, mailoutbox):
    guest = make_guest(email="noconsent@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        message = send_to_guest(guest=guest, kind="welcome", subject="Hi", text="Welcome", dedupe_key="c:1")

    assert (message.status, message.channel, message.reason) == ("suppressed", "", Refusal.NO_CONSENT)
    assert mailoutbox == []


def test_email_consent_given_sends_by_email(make_guest):
    guest = make_guest(email="yes@example.com", consents={"email": True})

    choice = choose_channel(guest=guest, is_marketing=False, settings=messaging_settings())

    assert (choice.channel, choice.recipient) == ("email", "yes@example.com")


def test_withdrawn_consent_is_no_consent(make_guest):
    guest = make_guest(email="gone@example.com", consents={"email": True})
    guest = set_consent(guest=guest, channel="email", given=False)

    choice = choose_channel(guest=guest, is_marketing=False, settings=messaging_settings())

    assert (choice.channel, choice.reason) == (None, Refusal.NO_CONSENT)


def test_consent_to_one_channel_does_not_open_another(make_guest):
    """SMS consent with a phone, but the chain has email first: email has no consent, so not email."""
    guest = make_guest(email="sms-only@example.com", consents={"sms": True})

    choice = choose_channel(guest=guest, is_marketing=False, settings=messaging_settings())

    assert choice.channel != "email"
