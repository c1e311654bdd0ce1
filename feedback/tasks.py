"""Celery tasks of feedback: a few lines each, calling a service, in the chain's schema (the messaging queue)."""

from __future__ import annotations

from celery import shared_task

from feedback.services import alert_low_rating as alert
from feedback.services import send_due_feedback_requests


@shared_task(acks_late=True)
def feedback_chain_tick() -> int:
    """Once a minute per chain: the feedback requests whose visit is older than the chain's delay."""
    return send_due_feedback_requests()


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=10, max_retries=5)
def alert_low_rating(rating_id: int) -> int:
    """Right after a low rating is stored: email the chain's chosen staff (a mail server error is retried)."""
    return alert(rating_id=rating_id)
