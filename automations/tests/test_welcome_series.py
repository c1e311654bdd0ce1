"""The welcome series: a new guest is welcomed once after registering (not when the bot already answered their
registration), and reminded once when no first visit follows within the chain's days."""

from __future__ import annotations

import datetime

from django.utils import timezone

from guests.models import Guest, GuestSource


def test_a_guest_registered_at_the_till_is_welcomed_once(auto):
    auto.turn_on("welcome")
    guest = auto.guest(first_name="Anna")

    first = auto.run("welcome")
    again = auto.run("welcome")

    assert (first, again) == (1, 0)
    assert auto.inbox() == [(guest.email, "Welcome to Alpha")]


def test_a_guest_who_registered_through_the_bot_is_not_welcomed_again(auto):
    auto.turn_on("welcome")
    auto.guest(source=GuestSource.TELEGRAM)

    assert auto.run("welcome") == 0
    assert auto.inbox() == []


def test_a_guest_without_a_first_visit_after_the_days_is_reminded_once(auto):
    auto.turn_on("welcome_reminder", days=7)
    waiting = auto.guest()
    visited = auto.guest()
    recent = auto.guest()
    eight_days_ago = timezone.now() - datetime.timedelta(days=8)
    Guest.objects.filter(pk__in=[waiting.pk, visited.pk]).update(created_at=eight_days_ago)
    auto.visit(visited, eight_days_ago + datetime.timedelta(days=1))

    assert auto.run("welcome_reminder") == 1
    assert auto.run("welcome_reminder") == 0
    assert auto.inbox() == [(waiting.email, "Your card at Alpha is waiting")]
    assert recent.email not in {address for address, _subject in auto.inbox()}
