"""A visit is asked about once, after the chain's delay, through messaging: not before, not twice, not when feedback
is off, not without consent, not a guest asked in the last N days, not for a refunded check."""

from __future__ import annotations

import datetime

from django.core import mail

from feedback.models import FeedbackRequest, RequestStatus, SkipReason
from feedback.tests.conftest import AFTER_DELAY, VISIT_AT
from loyalty.services import reverse_check
from messaging.models import Message, MessageStatus


def _feedback_mails() -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if "How was your visit" in message.subject]


def test_request_goes_once_after_the_delay_with_its_link(alpha, feedback_on, make_guest, visit, run_tick):
    guest = make_guest(email="anna@example.com", consents={"email": True}, first_name="Anna")
    visit(guest)

    assert run_tick(now=VISIT_AT + datetime.timedelta(minutes=119)) == 0  # not yet
    assert _feedback_mails() == []
    assert run_tick() == 1
    assert run_tick(now=AFTER_DELAY + datetime.timedelta(minutes=5)) == 0  # the next minute's tick: nothing again

    sent = _feedback_mails()
    assert len(sent) == 1
    assert sent[0].to == ["anna@example.com"]
    assert "How was your visit, Anna?" in sent[0].body
    assert f"{alpha.chain.base_url}/feedback/rate/" in sent[0].body
    request = FeedbackRequest.objects.get(guest=guest)
    assert (request.status, request.channel) == (RequestStatus.SENT, "email")
    assert Message.objects.get(pk=request.message_id).kind == "feedback_request"


def test_a_second_check_of_the_same_visit_asks_nothing_more(alpha, feedback_on, make_guest, visit, run_tick):
    guest = make_guest(email="boris@example.com", consents={"email": True})
    check = visit(guest)
    visit(guest)  # another check of the same guest on the same visit

    run_tick()

    assert FeedbackRequest.objects.filter(guest=guest).count() == 2
    assert len(_feedback_mails()) == 1  # the second one falls in the repeat gap
    second = FeedbackRequest.objects.exclude(applied_check=check).get(guest=guest)
    assert (second.status, second.reason) == (RequestStatus.SKIPPED, SkipReason.ASKED_RECENTLY)


def test_nothing_is_planned_or_sent_while_feedback_is_off(alpha, make_guest, visit, run_tick):
    guest = make_guest(email="vera@example.com", consents={"email": True})
    visit(guest)

    assert run_tick() == 0
    assert FeedbackRequest.objects.filter(guest=guest).count() == 0
    assert _feedback_mails() == []


def test_a_guest_without_consent_is_not_asked(alpha, feedback_on, make_guest, visit, run_tick):
    guest = make_guest(email="gleb@example.com", consents={"email": False})
    visit(guest)

    assert run_tick() == 0

    request = FeedbackRequest.objects.get(guest=guest)
    assert (request.status, request.reason) == (RequestStatus.SKIPPED, "no_consent")
    assert Message.objects.get(pk=request.message_id).status == MessageStatus.SUPPRESSED
    assert _feedback_mails() == []


def test_a_regular_is_asked_at_most_once_in_the_repeat_gap(alpha, feedback_on, make_guest, visit, run_tick):
    guest = make_guest(email="dina@example.com", consents={"email": True})
    visit(guest)
    run_tick()
    visit(guest, at=VISIT_AT + datetime.timedelta(hours=3))  # back the same evening

    run_tick(now=AFTER_DELAY + datetime.timedelta(hours=3))

    assert len(_feedback_mails()) == 1


def test_a_refunded_check_is_not_asked_about(alpha, feedback_on, make_guest, visit, run_tick):
    guest = make_guest(email="egor@example.com", consents={"email": True})
    check = visit(guest)
    reverse_check(idempotency_key=check.idempotency_key, actor=alpha.user("owner"))

    run_tick()

    assert FeedbackRequest.objects.get(guest=guest).reason == SkipReason.REFUNDED
    assert _feedback_mails() == []


def test_quiet_hours_hold_the_request_until_morning(alpha, feedback_on, make_guest, visit, run_tick):
    guest = make_guest(email="zoya@example.com", consents={"email": True})
    late = VISIT_AT.replace(hour=17)  # 20:00 in Moscow: due at 22:00, inside the quiet hours
    visit(guest, at=late)

    run_tick(now=late + datetime.timedelta(minutes=121))

    message = Message.objects.get(pk=FeedbackRequest.objects.get(guest=guest).message_id)
    assert message.status == MessageStatus.QUEUED and message.not_before_at is not None
    assert _feedback_mails() == []


def test_sample_guests_are_not_asked(alpha, feedback_on, make_guest, visit, run_tick):
    guest = make_guest(email="sample@example.com", consents={"email": True}, is_sample=True)
    visit(guest)

    run_tick()

    assert not FeedbackRequest.objects.filter(guest=guest).exists()
    assert _feedback_mails() == []


def test_a_tick_missed_for_half_an_hour_still_sends_and_a_day_late_one_is_dropped(
    alpha, feedback_on, make_guest, visit, run_tick
):
    """The schedule is the table: a worker down for a while loses nothing, but a question days late is noise."""
    on_time = make_guest(email="late-tick@example.com", consents={"email": True})
    too_late = make_guest(email="days-late@example.com", consents={"email": True})
    visit(on_time)
    visit(too_late, at=VISIT_AT - datetime.timedelta(days=2))

    run_tick(now=AFTER_DELAY + datetime.timedelta(minutes=30))

    assert [message.to for message in _feedback_mails()] == [["late-tick@example.com"]]
    assert FeedbackRequest.objects.get(guest=too_late).reason == SkipReason.STALE
