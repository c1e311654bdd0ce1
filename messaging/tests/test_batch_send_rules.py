"""Sending to many guests at once (send_to_guests) keeps every rule of one guest's send: a second message to a guest
in the same batch counts toward the daily cap, a guest without consent or with a suppressed address is logged as
not sent with the reason while the others go out, the statements do not grow with the batch, a rerun of the batch
sends nothing twice, and a batch's emails go out through one connection to the provider."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging import email as email_module
from messaging.channels import Refusal
from messaging.models import EmailSuppression, Message, MessageStatus, SuppressionReason
from messaging.services import GuestSend, deliver_messages, send_to_guests, update_messaging_settings
from messaging.tests.conftest import NOON_UTC


def _send(sends: list[GuestSend], **fields: Any) -> dict[str, Message]:
    return send_to_guests(
        sends=sends, kind="promo", subject="Autumn menu", text="Our autumn menu is here.", now=NOON_UTC, **fields
    )


def test_two_messages_to_one_guest_in_one_batch_respect_the_daily_cap(alpha, make_guest, sendgrid):
    update_messaging_settings(actor=alpha.user("owner"), marketing_per_day=1)
    guest = make_guest(email="twice@example.com", consents={"email": True})

    messages = _send([GuestSend(guest.pk, "promo:1"), GuestSend(guest.pk, "promo:2")])

    assert messages["promo:1"].status == MessageStatus.QUEUED
    assert (messages["promo:2"].status, messages["promo:2"].reason) == (MessageStatus.SUPPRESSED, Refusal.DAILY_CAP)


def test_consent_and_suppression_hold_for_each_guest_of_a_batch(make_guest, sendgrid):
    consented = make_guest(email="yes@example.com", consents={"email": True})
    silent = make_guest(email="no@example.com")
    bounced = make_guest(email="Bounced@example.com", consents={"email": True})
    EmailSuppression.objects.create(address="bounced@example.com", reason=SuppressionReason.BOUNCED)

    messages = _send([GuestSend(guest.pk, f"promo:{guest.pk}") for guest in (consented, silent, bounced)])

    assert messages[f"promo:{consented.pk}"].status == MessageStatus.QUEUED
    assert messages[f"promo:{silent.pk}"].reason == Refusal.NO_CONSENT
    assert messages[f"promo:{bounced.pk}"].reason == Refusal.UNREACHABLE


def _statements_of_a_batch(make_guest: Any, size: int, tag: str) -> list[str]:
    guests = [make_guest(email=f"{tag}{number}@example.com", consents={"email": True}) for number in range(size)]
    with CaptureQueriesContext(connection) as captured:
        messages = _send([GuestSend(guest.pk, f"{tag}:{guest.pk}") for guest in guests])
    assert [message.status for message in messages.values()] == [MessageStatus.QUEUED] * size
    return [query["sql"] for query in captured]


def test_a_batch_costs_the_same_statements_whatever_its_size(make_guest, sendgrid):
    """Earlier keys, the guests locked, the settings, preferences, chats, suppressions, marketing counts, the insert."""
    _statements_of_a_batch(make_guest, 1, "warm")
    small = _statements_of_a_batch(make_guest, 2, "small")
    large = _statements_of_a_batch(make_guest, 20, "large")
    assert len(small) == len(large) <= 13, "\n".join(q[:150] for q in large)


def test_a_rerun_of_a_batch_sends_nothing_twice(make_guest, sendgrid, django_capture_on_commit_callbacks):
    guests = [make_guest(email=f"rerun{number}@example.com", consents={"email": True}) for number in range(3)]
    sends = [GuestSend(guest.pk, f"rerun:{guest.pk}") for guest in guests]

    with django_capture_on_commit_callbacks(execute=True):
        first = _send(sends)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        again = _send(sends)
    deliver_messages(message_ids=[message.pk for message in first.values()])  # a redelivered batch task

    assert {key: message.pk for key, message in again.items()} == {key: message.pk for key, message in first.items()}
    assert queued == []
    assert len(sendgrid.requests) == 3
    assert Message.objects.filter(dedupe_key__startswith="rerun:", status=MessageStatus.SENT).count() == 3


def test_a_batch_of_emails_goes_through_one_connection(make_guest, sendgrid, monkeypatch):
    guests = [make_guest(email=f"conn{number}@example.com", consents={"email": True}) for number in range(4)]
    messages = _send([GuestSend(guest.pk, f"conn:{guest.pk}") for guest in guests])
    opened = []
    real = email_module.get_connection

    def counting(*args: Any, **kwargs: Any) -> Any:
        opened.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(email_module, "get_connection", counting)

    results = deliver_messages(message_ids=[message.pk for message in messages.values()])

    assert [result.status for result in results.values()] == [MessageStatus.SENT] * 4
    assert len(sendgrid.requests) == 4
    assert len(opened) == 1


def test_a_provider_failure_in_a_batch_retries_that_message_alone(
    make_guest, sendgrid, django_capture_on_commit_callbacks
):
    guests = [make_guest(email=f"retry{number}@example.com", consents={"email": True}) for number in range(3)]
    messages = _send([GuestSend(guest.pk, f"retry:{guest.pk}") for guest in guests])
    sendgrid.failures.append((503, '{"errors": [{"message": "service unavailable"}]}'))

    with django_capture_on_commit_callbacks(execute=True):
        deliver_messages(message_ids=[message.pk for message in messages.values()])

    sent = Message.objects.filter(dedupe_key__startswith="retry:")
    assert sorted(sent.values_list("status", "attempts")) == [("sent", 1), ("sent", 1), ("sent", 2)]
    assert len(sendgrid.requests) == 4  # three emails and the failed one's second attempt
