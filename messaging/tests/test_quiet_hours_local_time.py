"""Marketing waits out the chain's quiet hours in the local time of the guest's home restaurant (else the chain's
zone): delayed to their end, never dropped."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from analytics.periods import chain_time_zone
from messaging.channels import choose_channel
from messaging.models import Message
from messaging.selectors import messaging_settings
from messaging.services import update_messaging_settings
from restaurants.models import Restaurant

VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")  # UTC+10, no daylight saving


def _quiet_21_to_9(alpha):
    update_messaging_settings(
        actor=alpha.user("owner"), quiet_hours_start=datetime.time(21), quiet_hours_end=datetime.time(9)
    )


def test_marketing_at_night_in_the_home_restaurants_zone_waits_until_morning(alpha, make_guest):
    _quiet_21_to_9(alpha)
    Restaurant.objects.filter(pk=alpha.restaurants[1].pk).update(time_zone="Asia/Vladivostok")
    guest = make_guest(email="far@example.com", consents={"email": True}, home_restaurant_id=alpha.restaurants[1].pk)
    now = datetime.datetime(2026, 3, 10, 22, 30, tzinfo=VLADIVOSTOK)  # 12:30 UTC

    choice = choose_channel(guest=guest, is_marketing=True, settings=messaging_settings(), now=now)

    assert choice.channel == "email"
    assert choice.not_before == datetime.datetime(2026, 3, 11, 9, 0, tzinfo=VLADIVOSTOK)


def test_after_midnight_it_waits_until_the_same_mornings_end(alpha, make_guest):
    _quiet_21_to_9(alpha)
    Restaurant.objects.filter(pk=alpha.restaurants[1].pk).update(time_zone="Asia/Vladivostok")
    guest = make_guest(email="far2@example.com", consents={"email": True}, home_restaurant_id=alpha.restaurants[1].pk)
    now = datetime.datetime(2026, 3, 11, 3, 0, tzinfo=VLADIVOSTOK)

    choice = choose_channel(guest=guest, is_marketing=True, settings=messaging_settings(), now=now)

    assert choice.not_before == datetime.datetime(2026, 3, 11, 9, 0, tzinfo=VLADIVOSTOK)


def test_a_guest_without_a_home_restaurant_follows_the_chains_zone(alpha, make_guest):
    _quiet_21_to_9(alpha)
    guest = make_guest(email="home@example.com", consents={"email": True})
    zone = chain_time_zone()
    noon = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=zone)
    night = datetime.datetime(2026, 3, 10, 23, 0, tzinfo=zone)

    at_noon = choose_channel(guest=guest, is_marketing=True, settings=messaging_settings(), now=noon)
    at_night = choose_channel(guest=guest, is_marketing=True, settings=messaging_settings(), now=night)

    assert at_noon.not_before is None
    assert at_night.not_before == datetime.datetime(2026, 3, 11, 9, 0, tzinfo=zone)


def test_a_delayed_message_is_queued_not_sent_and_not_dropped(
    alpha, make_guest, django_capture_on_commit_callbacks, mailoutbox
):
    from messaging.services import send_to_guest

    _quiet_21_to_9(alpha)
    guest = make_guest(email="later@example.com", consents={"email": True})
    night = datetime.datetime.now(chain_time_zone()).replace(hour=23, minute=0)

    with django_capture_on_commit_callbacks(execute=True):
        message = send_to_guest(guest=guest, kind="promo", subject="Offer", text="Come", dedupe_key="q:1", now=night)

    message = Message.objects.get(pk=message.pk)
    assert (message.status, message.not_before_at is not None) == ("queued", True)
    assert mailoutbox == []
