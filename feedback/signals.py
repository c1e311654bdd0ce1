"""Feedback follows other apps' events: every newly applied check (the till's, the API's and the POS drain's
batches alike, after commit) plans one feedback request while the chain has feedback on; an erased guest's
comments go with them (inside the erasing transaction); a request whose message was not delivered follows it
(messaging's messages_failed, after the delivery's commit)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from feedback.services import forget_comments_of_guest, plan_feedback_requests, record_failed_deliveries
from guests.events import guest_erased
from loyalty.events import checks_applied
from messaging.events import messages_failed


@receiver(checks_applied, dispatch_uid="feedback-plan-requests")
def plan_requests_after_checks(sender: Any, applied: list[tuple[Any, Any]], **_kwargs: Any) -> None:
    plan_feedback_requests(visits=[(guest, outcome.applied_check) for guest, outcome in applied])


@receiver(guest_erased, dispatch_uid="feedback-forget-erased-guest")
def forget_erased_guests_comments(sender: Any, guest: Any, **_kwargs: Any) -> None:
    forget_comments_of_guest(guest_id=guest.pk)


@receiver(messages_failed, dispatch_uid="feedback-request-not-delivered")
def follow_failed_deliveries(sender: Any, messages: list[Any], **_kwargs: Any) -> None:
    record_failed_deliveries(messages=messages)
