"""The first-visit thank-you: a guest's first visit is thanked once (with the automation's bonus); a guest whose
first visit was long ago is not, and neither is a second visit."""

from __future__ import annotations

import datetime

from django.utils import timezone

from loyalty.selectors import guest_balance


def test_the_first_visit_is_thanked_once_with_the_bonus(auto):
    auto.turn_on("first_visit", bonus_points=200)
    guest = auto.guest()
    auto.visit(guest, timezone.now() - datetime.timedelta(hours=1))
    before = guest_balance(guest=guest).available

    auto.run("first_visit")
    auto.visit(guest, timezone.now())
    auto.run("first_visit")

    assert auto.inbox() == [(guest.email, "Thank you for your first visit to Alpha")]
    assert guest_balance(guest=guest).available >= before + 200


def test_a_first_visit_long_ago_is_not_thanked_when_the_automation_starts(auto):
    guest = auto.guest()
    auto.visit(guest, timezone.now() - datetime.timedelta(days=30))
    auto.turn_on("first_visit")

    assert auto.run("first_visit") == 0
    assert auto.inbox() == []
