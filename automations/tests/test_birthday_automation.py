"""The birthday automation greets a guest N days before their birthday, counted in the chain's time zone, once a
year, with the program's birthday bonus: given once, whether the greeting or the program's nightly grant comes
first; without a birthday bonus there is nothing to announce."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from loyalty.models import EntryKind, LedgerEntry
from loyalty.services import grant_birthday_bonuses, update_program_settings

VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")
# 01:30 on 10 March in Vladivostok, still 9 March in UTC and in Moscow.
EARLY_ON_THE_10TH = datetime.datetime(2026, 3, 10, 1, 30, tzinfo=VLADIVOSTOK)


def test_the_chains_day_decides_whose_birthday_it_is(auto, in_vladivostok):
    update_program_settings(actor=None, changes={"birthday_bonus_points": 300})
    auto.turn_on("birthday", days=0)
    tenth = auto.guest(birthday=datetime.date(1990, 3, 10))
    auto.guest(birthday=datetime.date(1990, 3, 9))

    assert auto.run("birthday", now=EARLY_ON_THE_10TH) == 1
    assert auto.run("birthday", now=EARLY_ON_THE_10TH) == 0
    assert auto.inbox() == [(tenth.email, "Happy birthday from Alpha")]


def test_n_days_before_the_birthday(auto, in_vladivostok):
    update_program_settings(actor=None, changes={"birthday_bonus_points": 300})
    auto.turn_on("birthday", days=3)
    auto.guest(birthday=datetime.date(1990, 3, 10))
    thirteenth = auto.guest(birthday=datetime.date(1985, 3, 13))

    auto.run("birthday", now=EARLY_ON_THE_10TH)

    assert auto.inbox() == [(thirteenth.email, "Happy birthday from Alpha")]


def test_the_birthday_bonus_is_given_once_with_the_greeting_and_the_nightly_grant(auto, in_vladivostok):
    update_program_settings(actor=None, changes={"birthday_bonus_points": 300})
    auto.turn_on("birthday", days=0)
    guest = auto.guest(birthday=datetime.date(1990, 3, 10))

    auto.run("birthday", now=EARLY_ON_THE_10TH)
    nightly = grant_birthday_bonuses(today=EARLY_ON_THE_10TH.date())

    assert nightly == 0
    [bonus] = LedgerEntry.objects.filter(guest=guest, kind=EntryKind.BIRTHDAY)
    assert bonus.points == 300
    [request] = auto.email.requests
    text = next(part["value"] for part in request.json["content"] if part["type"] == "text/plain")
    assert "We have added 300 points to your card." in text


def test_without_a_birthday_bonus_there_is_no_greeting_announcing_one(auto, in_vladivostok):
    auto.turn_on("birthday", days=0)
    auto.guest(birthday=datetime.date(1990, 3, 10))

    assert auto.run("birthday", now=EARLY_ON_THE_10TH) == 0
    assert auto.inbox() == []
