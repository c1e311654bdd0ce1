"""Days in segment filters are the chain's calendar days (its time zone), not spans of 24 hours: a visit just after
the chain's midnight and one just before it, an hour apart, fall on different days."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from campaigns.selectors import segment_guests
from guests.tests.factories import GuestFactory, visit
from tests.fixtures import ChainWorld


def _local(world: ChainWorld, days_back: int, at: datetime.time) -> datetime.datetime:
    zone = ZoneInfo(world.chain.time_zone)
    today = timezone.now().astimezone(zone).date()
    return datetime.datetime.combine(today - datetime.timedelta(days=days_back), at, tzinfo=zone)


def ids(filters: dict) -> set[int]:
    return set(segment_guests(filters, None).values_list("pk", flat=True))


def test_days_since_the_last_visit_turn_at_the_chains_midnight(alpha: ChainWorld) -> None:
    after_midnight, before_midnight = GuestFactory(), GuestFactory()
    visit(alpha, guest=after_midnight, at=_local(alpha, 1, datetime.time(0, 30)))
    visit(alpha, guest=before_midnight, at=_local(alpha, 2, datetime.time(23, 30)))

    assert ids({"last_visit_days_max": 1}) & {after_midnight.pk, before_midnight.pk} == {after_midnight.pk}
    assert ids({"last_visit_days_min": 2}) & {after_midnight.pk, before_midnight.pk} == {before_midnight.pk}


def test_visits_of_the_last_day_are_todays_only(alpha: ChainWorld) -> None:
    today, yesterday = GuestFactory(), GuestFactory()
    visit(alpha, guest=today, at=_local(alpha, 0, datetime.time(0, 0, 1)))  # in the past but in its first second
    visit(alpha, guest=yesterday, at=_local(alpha, 1, datetime.time(23, 55)))

    assert ids({"visits_days": 1, "visits_min": 1}) & {today.pk, yesterday.pk} == {today.pk}
