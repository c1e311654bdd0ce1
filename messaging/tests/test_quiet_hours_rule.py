"""The pure quiet-hours rule (messaging.rules): a range within a day, one across midnight, and none."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from messaging.rules import channels_to_try, quiet_hours_end

MOSCOW = ZoneInfo("Europe/Moscow")


def at(hour: int, minute: int = 0, day: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=MOSCOW)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(20, 59), None),
        (at(21, 0), at(9, 0, day=11)),
        (at(23, 59), at(9, 0, day=11)),
        (at(0, 0), at(9, 0)),
        (at(8, 59), at(9, 0)),
        (at(9, 0), None),
    ],
)
def test_quiet_hours_across_midnight(moment, expected):
    assert quiet_hours_end(moment, start=datetime.time(21), end=datetime.time(9)) == expected


@pytest.mark.parametrize(("moment", "expected"), [(at(12, 59), None), (at(13, 30), at(15, 0)), (at(15, 0), None)])
def test_quiet_hours_within_a_day(moment, expected):
    assert quiet_hours_end(moment, start=datetime.time(13), end=datetime.time(15)) == expected


@pytest.mark.parametrize(("start", "end"), [(None, None), (datetime.time(9), datetime.time(9))])
def test_no_quiet_hours(start, end):
    assert quiet_hours_end(at(3), start=start, end=end) is None


def test_the_preferred_channel_first_then_the_order_each_once():
    known = ["telegram", "email", "sms"]

    assert channels_to_try(preferred="sms", order=["telegram", "sms", "email"], known=known) == [
        "sms",
        "telegram",
        "email",
    ]
    assert channels_to_try(preferred="fax", order=["email", "email"], known=known) == ["email"]
