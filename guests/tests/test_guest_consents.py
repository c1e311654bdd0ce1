"""Marketing consent per channel keeps the time it was given and the time it was withdrawn."""

import time

from guests.services import create_guest, set_consent
from tests.fixtures import api_as


def test_consent_given_then_withdrawn_keeps_both_times(alpha):
    guest = create_guest(access=None, phone="+79161234567", consents={"sms": True})
    given_at = guest.sms_consent_at
    time.sleep(0.01)
    guest = set_consent(guest=guest, channel="sms", given=False)
    assert not guest.has_consent("sms")
    assert guest.sms_consent_at == given_at
    assert guest.sms_consent_withdrawn_at > given_at


def test_consent_given_again_after_withdrawal_counts(alpha):
    guest = create_guest(access=None, phone="+79161234567", consents={"telegram": True})
    guest = set_consent(guest=guest, channel="telegram", given=False)
    time.sleep(0.01)
    guest = set_consent(guest=guest, channel="telegram", given=True)
    assert guest.has_consent("telegram")
    assert guest.telegram_consent_withdrawn_at < guest.telegram_consent_at


def test_consents_through_the_api(alpha):
    api = api_as(alpha, "owner")
    created = api.post("/api/v1/guests", {"phone": "+79161234567", "consents": {"email": True}}, format="json").json()
    assert created["consents"]["email"]["given"] is True
    assert created["consents"]["sms"] == {"given": False, "given_at": None, "withdrawn_at": None}
    changed = api.patch(f"/api/v1/guests/{created['id']}", {"consents": {"email": False}}, format="json").json()
    assert changed["consents"]["email"]["given"] is False
    assert changed["consents"]["email"]["withdrawn_at"] is not None
