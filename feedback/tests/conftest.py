"""Fixtures of the feedback tests: feedback switched on by the owner, visits made by loyalty's check service, the
per-chain tick run at a chosen moment, the Telegram fakes and guests of the messaging tests reused."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from feedback.models import FeedbackRequest, FeedbackSettings
from feedback.rating_links import rating_token
from feedback.services import send_due_feedback_requests, update_feedback_settings
from guests.models import Guest
from loyalty.models import AppliedCheck
from loyalty.rules import Check
from loyalty.services import apply_check
from maxloyalty.current_schema import current_schema_name
from messaging.tests.conftest import make_guest  # noqa: F401
from telegram_bot.tests.conftest import (  # noqa: F401
    _fake_telegram_server,
    alpha_bot,
    link_staff_telegram,
    linked_guest,
    send_update,
    telegram_api,
)
from tests.fixtures import ChainWorld

# Yesterday at noon in Moscow (the chain's zone): outside the default quiet hours (21:00-09:00), and two hours
# later still is.
VISIT_AT = (timezone.now() - datetime.timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
DELAY = datetime.timedelta(minutes=120)
AFTER_DELAY = VISIT_AT + DELAY + datetime.timedelta(minutes=1)

_keys = itertools.count(1)


@pytest.fixture
def feedback_on(alpha: ChainWorld) -> FeedbackSettings:
    """The owner switched feedback on: two hours after the visit, ≤ 3 is low, a guest asked at most every 14 days."""
    return update_feedback_settings(
        actor=alpha.user("owner"),
        is_enabled=True,
        delay_minutes=120,
        low_score_threshold=3,
        repeat_gap_days=14,
    )


@pytest.fixture
def visit(alpha: ChainWorld, django_capture_on_commit_callbacks: Any) -> Callable[..., AppliedCheck]:
    """visit(guest, at=VISIT_AT, restaurant=alpha's first): a check applied by loyalty's service, events run."""

    def make(guest: Guest, at: datetime.datetime = VISIT_AT, restaurant: Any = None) -> AppliedCheck:
        with django_capture_on_commit_callbacks(execute=True):
            outcome = apply_check(
                guest=guest,
                check=Check(total_amount=Decimal(1000), at=at),
                restaurant=restaurant or alpha.restaurants[0],
                idempotency_key=f"feedback-test:{next(_keys)}",
            )
        return outcome.applied_check

    return make


@pytest.fixture
def run_tick(django_capture_on_commit_callbacks: Any) -> Callable[..., int]:
    """run_tick(now=AFTER_DELAY): the per-chain feedback tick, and the deliveries it queued (Celery is eager)."""

    def run(now: datetime.datetime = AFTER_DELAY) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return send_due_feedback_requests(now=now)

    return run


@pytest.fixture
def asked(
    feedback_on: FeedbackSettings,
    make_guest: Callable[..., Guest],  # noqa: F811
    visit: Callable[..., AppliedCheck],
    run_tick: Callable[..., int],
) -> Callable[..., FeedbackRequest]:
    """asked(email=..., restaurant=...): a guest with email consent visited and was sent the request by email."""

    def make(email: str = "guest@example.com", restaurant: Any = None, **fields: Any) -> FeedbackRequest:
        guest = make_guest(email=email, consents={"email": True}, **fields)
        check = visit(guest, restaurant=restaurant)
        run_tick()
        return FeedbackRequest.objects.get(applied_check=check)

    return make


def link_token(request: FeedbackRequest) -> str:
    return rating_token(request_id=request.pk, schema_name=current_schema_name())
