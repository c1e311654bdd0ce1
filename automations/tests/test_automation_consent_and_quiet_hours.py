"""Automations go through messaging's one channel choice: no message without consent on one of the automation's
channels (logged as not sent, and no bonus), and at night they wait out the chain's quiet hours (local time) and
go in the morning, once."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from automations.models import AutomationSend
from loyalty.models import EntryKind, LedgerEntry
from loyalty.services import update_program_settings
from messaging.models import Message, MessageStatus
from messaging.services import queue_due_messages, update_messaging_settings

VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")


def test_a_guest_without_consent_gets_no_message_and_no_bonus(auto):
    auto.turn_on("welcome", bonus_points=100)
    guest = auto.guest(consents={})

    auto.run("welcome")

    assert auto.inbox() == []
    assert Message.objects.get(guest=guest).status == MessageStatus.SUPPRESSED
    assert not LedgerEntry.objects.filter(guest=guest, kind=EntryKind.PROMO_BONUS).exists()


def test_only_the_automations_channels_are_used(auto):
    auto.turn_on("welcome", channels=["sms"])
    guest = auto.guest()  # consents to email only

    auto.run("welcome")

    assert auto.inbox() == []
    assert Message.objects.get(guest=guest).status == MessageStatus.SUPPRESSED


def test_the_daily_cap_holds_back_a_second_automation_the_same_day(auto):
    update_messaging_settings(actor=auto.alpha.user("owner"), marketing_per_day=1, marketing_per_week=3)
    auto.turn_on("welcome")
    auto.turn_on("first_visit")
    guest = auto.guest()
    auto.visit(guest, timezone.now())

    auto.run("welcome")
    auto.run("first_visit")

    assert len(auto.inbox()) == 1
    assert Message.objects.get(guest=guest, kind="first_visit").reason == "daily_cap"


def test_at_night_the_message_waits_for_the_morning(auto, in_vladivostok):
    update_messaging_settings(
        actor=auto.alpha.user("owner"), quiet_hours_start=datetime.time(21), quiet_hours_end=datetime.time(9)
    )
    update_program_settings(actor=None, changes={"birthday_bonus_points": 300})
    auto.turn_on("birthday", days=0)
    guest = auto.guest(birthday=datetime.date(1990, 3, 10))
    night = datetime.datetime(2026, 3, 10, 0, 30, tzinfo=VLADIVOSTOK)

    auto.run("birthday", now=night)
    at_night = list(auto.inbox())
    with auto.capture(execute=True):
        queue_due_messages(now=datetime.datetime(2026, 3, 10, 9, 1, tzinfo=VLADIVOSTOK))

    assert at_night == []
    assert Message.objects.get(guest=guest).not_before_at == datetime.datetime(2026, 3, 10, 9, 0, tzinfo=VLADIVOSTOK)
    assert auto.inbox() == [(guest.email, "Happy birthday from Alpha")]
    assert AutomationSend.objects.filter(guest=guest).count() == 1
