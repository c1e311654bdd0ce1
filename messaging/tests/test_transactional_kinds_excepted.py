"""Transactional kinds (receipts) skip the frequency caps and the quiet hours, but never consent."""

from __future__ import annotations

import datetime

from analytics.periods import chain_time_zone
from messaging.services import send_to_guest, update_messaging_settings


def test_a_receipt_at_night_over_the_cap_is_sent_at_once(
    alpha, make_guest, django_capture_on_commit_callbacks, mailoutbox
):
    update_messaging_settings(
        actor=alpha.user("owner"),
        marketing_per_day=1,
        quiet_hours_start=datetime.time(21),
        quiet_hours_end=datetime.time(9),
    )
    guest = make_guest(email="receipt@example.com", consents={"email": True})
    night = datetime.datetime.now(chain_time_zone()).replace(hour=23, minute=30)
    promo = send_to_guest(guest=guest, kind="promo", subject="Offer", text="x", dedupe_key="t:1", now=night)

    with django_capture_on_commit_callbacks(execute=True):
        receipt = send_to_guest(
            guest=guest, kind="receipt", subject="Your check", text="+120 points", dedupe_key="t:2", now=night
        )

    receipt.refresh_from_db()
    assert promo.not_before_at is not None  # marketing waits
    assert (receipt.status, receipt.is_marketing, receipt.not_before_at) == ("sent", False, None)
    assert [mail.subject for mail in mailoutbox] == ["Your check"]


def test_a_receipt_asked_as_marketing_is_still_transactional(make_guest):
    guest = make_guest(email="r2@example.com", consents={"email": True})

    message = send_to_guest(guest=guest, kind="receipt", text="+1", dedupe_key="t:3", is_marketing=True)

    assert message.is_marketing is False


def test_a_receipt_still_needs_consent(make_guest):
    guest = make_guest(email="r3@example.com")

    message = send_to_guest(guest=guest, kind="receipt", text="+1", dedupe_key="t:4")

    assert message.status == "suppressed"
