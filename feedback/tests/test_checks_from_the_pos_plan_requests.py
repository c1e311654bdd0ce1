"""A check processed by the POS drain (the batch writer, no ORM signals) plans its feedback request like a check at
the till: the request follows from loyalty's checks_applied event after commit, once even when the POS repeats it."""

from __future__ import annotations

from django.core import mail

from feedback.models import FeedbackRequest, RequestStatus
from feedback.tests.conftest import AFTER_DELAY, VISIT_AT
from tests.checks import CheckSpec, send_checks


def test_a_pos_check_is_asked_about_once_after_the_delay(alpha, feedback_on, make_guest, run_tick):
    guest = make_guest(email="pos-guest@example.com", consents={"email": True})
    check = CheckSpec(total_amount="1500.00", guest=guest, external_id="feedback-pos-1", closed_at=VISIT_AT)

    send_checks(alpha, [check])
    send_checks(alpha, [check])  # the POS sends it again
    run_tick(now=AFTER_DELAY)

    request = FeedbackRequest.objects.get(guest=guest)
    assert (request.status, request.restaurant_id) == (RequestStatus.SENT, alpha.restaurants[0].pk)
    assert request.visited_at == VISIT_AT
    assert [message.to for message in mail.outbox if "How was your visit" in message.subject] == [
        ["pos-guest@example.com"]
    ]
