"""A feedback request follows its message's delivery: a chat that blocked the bot (Telegram 403) or an SMS the
provider refuses makes the request failed with the channel's reason, the next tick asks once more (through the
channel the guest can be reached on then), and a second failure gives it up, the reason shown on the feedback
settings page. Through the fake Telegram Bot API and the fake Twilio of the messaging tests."""

from __future__ import annotations

import datetime

from django.core import mail

from accounts.models import Role
from feedback.models import FeedbackRequest, RequestStatus
from feedback.tests.conftest import AFTER_DELAY
from guests.services import set_consent
from messaging.models import Message, MessageStatus
from messaging.tests.sms_fixtures import _twilio_server, twilio, twilio_chain  # noqa: F401
from tests.fixtures import signed_in_client

CHAT = 5590001
NEXT_TICK = AFTER_DELAY + datetime.timedelta(minutes=1)


def _feedback_mails() -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if "How was your visit" in message.subject]


def test_a_chat_that_blocked_the_bot_fails_the_request_and_the_next_tick_asks_by_email(
    alpha, alpha_bot, telegram_api, feedback_on, linked_guest, visit, run_tick
):
    guest = linked_guest("+79165590001", CHAT, email="blocked@example.com")
    guest = set_consent(guest=guest, channel="email", given=True)
    check = visit(guest)  # its receipt goes by the bot
    telegram_api.failures[CHAT] = [(403, "Forbidden: bot was blocked by the user", {})]  # then the guest blocks it

    assert run_tick() == 1
    failed = FeedbackRequest.objects.get(applied_check=check)
    assert (failed.status, failed.channel, failed.attempts) == (RequestStatus.FAILED, "telegram", 1)
    assert "blocked" in failed.reason
    assert _feedback_mails() == []

    assert run_tick(now=NEXT_TICK) == 1
    request = FeedbackRequest.objects.get(applied_check=check)
    assert (request.status, request.channel, request.attempts, request.reason) == (RequestStatus.SENT, "email", 2, "")
    assert [sent.to for sent in _feedback_mails()] == [["blocked@example.com"]]
    assert run_tick(now=NEXT_TICK + datetime.timedelta(minutes=1)) == 0  # asked: nothing more


def test_an_sms_refused_twice_is_given_up_with_the_reason_on_the_settings_page(
    alpha,
    twilio_chain,  # noqa: F811  # the messaging tests' fixture, imported above
    feedback_on,
    make_guest,
    visit,
    run_tick,
):
    guest = make_guest(consents={"sms": True}, first_name="Semyon")
    twilio_chain.invalid_numbers.add(guest.phone)
    check = visit(guest)

    run_tick()
    assert FeedbackRequest.objects.get(applied_check=check).status == RequestStatus.FAILED
    run_tick(now=NEXT_TICK)
    run_tick(now=NEXT_TICK + datetime.timedelta(minutes=1))  # given up: not asked a third time

    request = FeedbackRequest.objects.get(applied_check=check)
    assert (request.status, request.attempts) == (RequestStatus.UNDELIVERED, 2)
    assert "(21211)" in request.reason  # Twilio's code for a number that cannot receive SMS, with its words
    messages = Message.objects.filter(guest=guest, kind="feedback_request")
    assert sorted(messages.values_list("status", flat=True)) == [MessageStatus.FAILED, MessageStatus.FAILED]

    page = signed_in_client(alpha, Role.OWNER).get("/feedback/settings/").content.decode()
    assert 'data-testid="undelivered-request"' in page
    assert "Semyon" in page and request.reason in page
