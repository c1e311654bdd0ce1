"""Feedback follows the loyalty program's events: every newly applied check (the till's, the API's and the POS
drain's batches alike, after commit) plans one feedback request while the chain has feedback on."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from feedback.services import plan_feedback_requests
from loyalty.events import checks_applied


@receiver(checks_applied, dispatch_uid="feedback-plan-requests")
def plan_requests_after_checks(sender: Any, applied: list[tuple[Any, Any]], **_kwargs: Any) -> None:
    plan_feedback_requests(visits=[(guest, outcome.applied_check) for guest, outcome in applied])
