"""Level up: a guest moved up (by a check at once, or by the nightly re-evaluation) hears it once. Level about to be
lost: in rolling mode, a guest whose counted spend will no longer reach their level in N days is warned once."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from loyalty.selectors import chain_today
from loyalty.services import create_level, reevaluate_levels, update_program_settings


def test_a_guest_moved_up_by_a_check_hears_it_once(auto):
    update_program_settings(actor=None, changes={"level_threshold_mode": "lifetime"})
    create_level(actor=None, name="Gold", threshold_amount=Decimal(2000), earn_rate_percent=Decimal(10))
    auto.turn_on("level_up", bonus_points=100)
    guest = auto.guest()
    auto.visit(guest, timezone.now(), amount="3000.00")

    assert auto.run("level_up") == 1
    assert auto.run("level_up") == 0
    assert auto.inbox() == [(guest.email, "Your new level at Alpha")]


def test_a_guest_moved_up_by_the_nightly_job_hears_it(auto):
    update_program_settings(actor=None, changes={"level_threshold_mode": "lifetime"})
    guest = auto.guest()
    auto.visit(guest, timezone.now(), amount="3000.00")
    create_level(actor=None, name="Gold", threshold_amount=Decimal(2000), earn_rate_percent=Decimal(10))
    auto.turn_on("level_up")

    assert reevaluate_levels(today=chain_today()) == 1
    assert auto.run("level_up") == 1
    assert auto.inbox() == [(guest.email, "Your new level at Alpha")]


def test_a_guest_whose_spend_drops_out_of_the_period_is_warned_once(auto):
    update_program_settings(actor=None, changes={"level_threshold_mode": "rolling", "level_rolling_days": 365})
    create_level(actor=None, name="Gold", threshold_amount=Decimal(2000), earn_rate_percent=Decimal(10))
    auto.turn_on("level_at_risk", days=14)
    fading = auto.guest()  # Gold by a check 360 days ago: it stops counting in 5 days
    auto.visit(fading, timezone.now() - datetime.timedelta(days=360), amount="3000.00")
    steady = auto.guest()  # Gold by a check 100 days ago
    auto.visit(steady, timezone.now() - datetime.timedelta(days=100), amount="3000.00")

    assert auto.run("level_at_risk") == 1
    assert auto.run("level_at_risk") == 0
    assert auto.inbox() == [(fading.email, "Keep your Gold level at Alpha")]
