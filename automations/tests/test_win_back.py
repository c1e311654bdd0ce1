"""Win-back: a guest who has not visited for the chain's days is written to once per lapse; in rhythm mode each
guest's own usual gap between visits (the median, times the factor, never below the floor) decides instead, and a
guest without a rhythm yet takes the chain's days (automations.rules, rule 3)."""

from __future__ import annotations

import datetime

from django.utils import timezone


def _visits(auto, guest, days_ago):
    now = timezone.now()
    for days in days_ago:
        auto.visit(guest, now - datetime.timedelta(days=days))


def test_a_guest_away_for_the_chains_days_is_written_to_once(auto):
    auto.turn_on("win_back", days=30)
    away = auto.guest()
    _visits(auto, away, [31])
    recent = auto.guest()
    _visits(auto, recent, [29])

    assert auto.run("win_back") == 1
    assert auto.run("win_back") == 0
    assert auto.inbox() == [(away.email, "We miss you at Alpha")]


def test_a_new_lapse_after_a_new_visit_is_a_new_occasion(auto):
    auto.turn_on("win_back", days=30)
    guest = auto.guest()
    _visits(auto, guest, [70])
    auto.run("win_back", now=timezone.now() - datetime.timedelta(days=38))  # away 32 days then
    _visits(auto, guest, [35])  # came back, then away again

    assert auto.run("win_back") == 1
    assert len(auto.inbox()) == 2


def test_in_rhythm_mode_each_guest_is_due_after_their_own_usual_gap(auto):
    auto.turn_on("win_back", days=60, win_back_mode="rhythm", rhythm_factor="2.00", rhythm_floor_days=10)
    weekly = auto.guest()  # every 7 days, last 19 days ago: due after 14
    _visits(auto, weekly, [40, 33, 26, 19])
    monthly = auto.guest()  # every 30 days, last 19 days ago: due after 60
    _visits(auto, monthly, [109, 79, 49, 19])
    newcomer = auto.guest()  # one visit day, no rhythm yet: the chain's 60 days
    _visits(auto, newcomer, [19])

    assert auto.run("win_back") == 1
    assert auto.inbox() == [(weekly.email, "We miss you at Alpha")]


def test_the_floor_keeps_a_daily_guest_from_being_chased_after_two_days(auto):
    auto.turn_on("win_back", days=60, win_back_mode="rhythm", rhythm_factor="2.00", rhythm_floor_days=10)
    daily = auto.guest()  # every day, last 5 days ago: 2 × 1 day < the 10-day floor
    _visits(auto, daily, [8, 7, 6, 5])

    assert auto.run("win_back") == 0


def test_with_the_chains_fixed_days_the_weekly_guest_is_not_due_yet(auto):
    auto.turn_on("win_back", days=60)
    weekly = auto.guest()
    _visits(auto, weekly, [40, 33, 26, 19])

    assert auto.run("win_back") == 0
