"""A batch's email connection reads the proxy variables once (messaging.email: requests would walk the environment
for every email) and keeps their meaning for every email of the batch: a proxy named there carries each of them,
NO_PROXY still exempts the provider's host."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guests.models import Guest
from messaging.models import Message, MessageStatus
from messaging.services import GuestSend, deliver_messages, send_to_guests
from messaging.tests.conftest import NOON_UTC

DEAD_PROXY = "http://127.0.0.1:9"  # nothing listens on the discard port


def _queued_emails(make_guest: Callable[..., Guest], capture: Any, count: int) -> list[int]:
    guests = [make_guest(email=f"proxy{number}@example.com", consents={"email": True}) for number in range(count)]
    with capture(execute=False):  # queued, not delivered: the batch below delivers them
        messages = send_to_guests(
            sends=[GuestSend(guest_id=guest.pk, dedupe_key=f"proxy:{guest.pk}") for guest in guests],
            kind="promo",
            subject="Autumn menu",
            text="Our autumn menu is here.",
            now=NOON_UTC,
        )
    return sorted(message.pk for message in messages.values())


def test_every_email_of_a_batch_goes_through_the_proxy_the_environment_names(
    sendgrid, make_guest, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", DEAD_PROXY)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    message_ids = _queued_emails(make_guest, django_capture_on_commit_callbacks, 2)

    with django_capture_on_commit_callbacks(execute=False):  # the retries it queues are not run
        results = deliver_messages(message_ids=message_ids)

    assert [result.retry_after is not None for result in results.values()] == [True, True]
    assert sendgrid.requests == []
    assert set(Message.objects.filter(pk__in=message_ids).values_list("status", flat=True)) == {MessageStatus.QUEUED}


def test_no_proxy_still_exempts_the_provider_for_every_email_of_a_batch(
    sendgrid, make_guest, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", DEAD_PROXY)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    message_ids = _queued_emails(make_guest, django_capture_on_commit_callbacks, 2)

    results = deliver_messages(message_ids=message_ids)

    assert [result.status for result in results.values()] == [MessageStatus.SENT, MessageStatus.SENT]
    assert len(sendgrid.requests) == 2
