"""The per-chain tick hands over a marketing message when its quiet hours end (not before), and a queued message
whose task was lost; a message it hands over twice is still sent once."""

from __future__ import annotations

import datetime

from analytics.periods import chain_time_zone
from messaging.models import Message
from messaging.services import LOST_AFTER, queue_due_messages, send_to_guest, update_messaging_settings


def _night_message(alpha, make_guest, address):
    update_messaging_settings(
        actor=alpha.user("owner"), quiet_hours_start=datetime.time(21), quiet_hours_end=datetime.time(9)
    )
    guest = make_guest(email=address, consents={"email": True})
    night = datetime.datetime(2026, 3, 10, 23, 0, tzinfo=chain_time_zone())
    return send_to_guest(guest=guest, kind="promo", subject="Offer", text="Come", dedupe_key=address, now=night)


def test_the_tick_sends_the_message_when_quiet_hours_end(
    alpha, make_guest, django_capture_on_commit_callbacks, mailoutbox
):
    message = _night_message(alpha, make_guest, "tick@example.com")
    morning = datetime.datetime(2026, 3, 11, 9, 0, tzinfo=chain_time_zone())

    with django_capture_on_commit_callbacks(execute=True):
        early = queue_due_messages(now=morning - datetime.timedelta(minutes=1))
    assert (early, mailoutbox) == (0, [])
    with django_capture_on_commit_callbacks(execute=True):
        due = queue_due_messages(now=morning + datetime.timedelta(minutes=1))

    assert due == 1
    assert Message.objects.get(pk=message.pk).status == "sent"
    assert [mail.to for mail in mailoutbox] == [["tick@example.com"]]


def test_a_lost_task_is_handed_over_again_and_sends_once(
    alpha, make_guest, django_capture_on_commit_callbacks, mailoutbox
):
    guest = make_guest(email="lost@example.com", consents={"email": True})
    message = send_to_guest(guest=guest, kind="receipt", text="+1", dedupe_key="lost:1")  # its task never ran
    later = message.queued_at + LOST_AFTER + datetime.timedelta(seconds=1)

    too_soon = queue_due_messages(now=message.queued_at + datetime.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        taken = queue_due_messages(now=later)
    with django_capture_on_commit_callbacks(execute=True):
        again = queue_due_messages(now=later + LOST_AFTER + datetime.timedelta(seconds=1))

    assert (too_soon, taken) == (0, 1)
    assert again == 0  # sent by then: nothing left to hand over
    assert Message.objects.get(pk=message.pk).status == "sent"
    assert len(mailoutbox) == 1


def test_a_message_handed_over_twice_is_sent_once(alpha, make_guest, django_capture_on_commit_callbacks, mailoutbox):
    from messaging.services import deliver_message

    guest = make_guest(email="twice@example.com", consents={"email": True})
    message = send_to_guest(guest=guest, kind="receipt", text="+1", dedupe_key="twice:1")

    results = [deliver_message(message_id=message.pk).status for _attempt in range(2)]

    assert results == ["sent", "sent"]
    assert len(mailoutbox) == 1
