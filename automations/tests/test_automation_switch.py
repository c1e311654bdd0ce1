"""An automation that is off writes to no one; switched off after running, it stops."""

from __future__ import annotations

from automations.runners import run_daily_automations, run_event_automations
from automations.services import update_automation
from messaging.models import Message


def test_every_automation_off_sends_nothing(auto):
    for kind in ("birthday", "points_expiring", "level_up"):  # on by default
        update_automation(actor=auto.alpha.user("owner"), kind=kind, is_enabled=False)
    guest = auto.guest()

    with auto.capture(execute=True):
        written = run_event_automations() + run_daily_automations()

    assert written == 0
    assert auto.inbox() == []
    assert not Message.objects.filter(guest=guest).exists()


def test_switched_off_it_stops(auto):
    auto.turn_on("welcome")
    auto.guest()
    auto.run("welcome")
    update_automation(actor=auto.alpha.user("owner"), kind="welcome", is_enabled=False)
    auto.guest()

    assert auto.run("welcome") == 0
    assert len(auto.inbox()) == 1
