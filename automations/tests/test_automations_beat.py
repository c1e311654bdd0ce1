"""Beat runs the automations in every chain through the one fan-out, each chain in its own schema: the event ones
every few minutes, the day's ones in the chain's own morning hour."""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django_tenants.utils import schema_context

from automations import tasks
from automations.services import update_automation
from guests.services import create_guest
from loyalty.services import update_program_settings
from maxloyalty.celery import app
from messaging.models import Message
from messaging.tests.conftest import next_phone
from tenants.tasks import run_in_every_chain


def test_beat_sends_both_automation_tasks_through_the_fan_out():
    fanned_out = {
        entry["args"][0]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "tenants.tasks.run_in_every_chain"
    }

    assert {"automations.tasks.run_event_automations_task", "automations.tasks.automations_day"} <= fanned_out
    assert {"automations.tasks.run_event_automations_task", "automations.tasks.automations_day"} <= set(app.tasks)


def test_the_fan_out_runs_each_chains_automations_in_its_own_schema(auto, beta):
    auto.turn_on("welcome")
    alpha_guest = auto.guest()
    with schema_context(beta.chain.schema_name):
        beta_guest = create_guest(access=None, phone=next_phone(), email="b@example.com", consents={"email": True})

    with auto.capture(execute=True):
        run_in_every_chain.delay("automations.tasks.run_event_automations_task")

    assert auto.inbox() == [(alpha_guest.email, "Welcome to Alpha")]
    with schema_context(beta.chain.schema_name):
        assert not Message.objects.filter(guest_id=beta_guest.pk).exists()  # beta's welcome is off


def test_the_days_automations_run_only_in_the_chains_morning_hour(auto, monkeypatch):
    update_program_settings(actor=None, changes={"birthday_bonus_points": 300})
    update_automation(actor=auto.alpha.user("owner"), kind="birthday", is_enabled=True, days=0, channels=["email"])
    zone = zoneinfo.ZoneInfo(auto.alpha.chain.time_zone)
    today = datetime.datetime.now(zone).date()
    auto.guest(birthday=today.replace(year=1990) if (today.month, today.day) != (2, 29) else today.replace(year=1992))

    monkeypatch.setattr(tasks, "local_now", lambda: datetime.datetime(2026, 5, 1, 3, 5, tzinfo=zone))
    with auto.capture(execute=True):
        at_night = tasks.automations_day.delay().get()
    monkeypatch.setattr(tasks, "local_now", lambda: datetime.datetime(2026, 5, 1, tasks.DAY_HOUR, 5, tzinfo=zone))
    with auto.capture(execute=True):
        in_the_morning = tasks.automations_day.delay().get()

    assert (at_night, in_the_morning) == (0, 1)
    assert len(auto.inbox()) == 1
