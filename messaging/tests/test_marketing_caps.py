"""Marketing never goes over the chain's frequency caps per guest per day and per week."""

from __future__ import annotations

import datetime

from messaging.channels import Refusal
from messaging.models import Message
from messaging.services import send_to_guest, update_messaging_settings

NOON = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


def _send(guest, key, now):
    return send_to_guest(guest=guest, kind="promo", subject="Offer", text="Come", dedupe_key=key, now=now)


def test_the_daily_cap_refuses_the_next_marketing_message(alpha, make_guest):
    update_messaging_settings(
        actor=alpha.user("owner"), marketing_per_day=1, quiet_hours_start=None, quiet_hours_end=None
    )
    guest = make_guest(email="cap@example.com", consents={"email": True})

    first = _send(guest, "cap:1", NOON)
    second = _send(guest, "cap:2", NOON + datetime.timedelta(hours=3))
    next_day = _send(guest, "cap:3", NOON + datetime.timedelta(days=1, minutes=1))

    assert [first.status, second.status, next_day.status] == ["queued", "suppressed", "queued"]
    assert second.reason == Refusal.DAILY_CAP


def test_the_weekly_cap_counts_the_last_seven_days(alpha, make_guest):
    update_messaging_settings(
        actor=alpha.user("owner"),
        marketing_per_day=5,
        marketing_per_week=2,
        quiet_hours_start=None,
        quiet_hours_end=None,
    )
    guest = make_guest(email="week@example.com", consents={"email": True})

    statuses = [_send(guest, f"w:{day}", NOON + datetime.timedelta(days=day)).status for day in (0, 2, 4)]
    after_a_week = _send(guest, "w:8", NOON + datetime.timedelta(days=8))

    assert statuses == ["queued", "queued", "suppressed"]
    assert after_a_week.status == "queued"


def test_refused_messages_do_not_count_against_the_cap(alpha, make_guest):
    update_messaging_settings(
        actor=alpha.user("owner"), marketing_per_day=1, quiet_hours_start=None, quiet_hours_end=None
    )
    guest = make_guest(email="nocount@example.com")  # no consent yet: the first message is refused

    refused = _send(guest, "n:1", NOON)
    from guests.services import set_consent

    guest = set_consent(guest=guest, channel="email", given=True)
    sent = _send(guest, "n:2", NOON + datetime.timedelta(hours=1))

    assert (refused.status, sent.status) == ("suppressed", "queued")


def test_a_message_that_failed_on_its_way_does_not_count_against_the_cap(
    alpha, make_guest, sendgrid, django_capture_on_commit_callbacks
):
    update_messaging_settings(
        actor=alpha.user("owner"), marketing_per_day=1, quiet_hours_start=None, quiet_hours_end=None
    )
    guest = make_guest(email="failed@example.com", consents={"email": True})
    sendgrid.failures.append((400, '{"errors": [{"message": "Refused"}]}'))
    with django_capture_on_commit_callbacks(execute=True):
        first = _send(guest, "f:1", NOON)

    again = _send(guest, "f:2", NOON + datetime.timedelta(hours=1))
    capped = _send(guest, "f:3", NOON + datetime.timedelta(hours=2))

    assert Message.objects.get(pk=first.pk).status == "failed"
    assert (again.status, capped.status) == ("queued", "suppressed")
