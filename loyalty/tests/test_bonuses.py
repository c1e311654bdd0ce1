"""Welcome, birthday and referral bonuses: granted by the program, each at most once."""

import datetime

from guests.services import create_guest
from loyalty.models import EntryKind, LedgerEntry
from loyalty.selectors import chain_today
from loyalty.services import grant_birthday_bonuses, grant_referral_bonus, grant_welcome_bonus
from loyalty.tests.factories import GuestFactory
from loyalty.tests.ledger_checks import balance_of


def test_new_guest_gets_the_welcome_bonus_once(alpha, program):
    program(welcome_bonus_points=200)
    guest = create_guest(access=None, phone="+79161234567", first_name="Anna")
    assert balance_of(guest) == (200, 0)
    assert grant_welcome_bonus(guest=guest).is_replay
    assert balance_of(guest) == (200, 0)


def test_no_welcome_bonus_when_the_program_gives_none(alpha, program):
    program(welcome_bonus_points=0)
    guest = create_guest(access=None, phone="+79161234568")
    assert balance_of(guest) == (0, 0)


def test_birthday_bonus_within_window_once_per_year(alpha, program):
    program(birthday_bonus_points=500, birthday_window_days_before=3, birthday_window_days_after=2)
    today = chain_today()
    in_window = GuestFactory(birthday=(today + datetime.timedelta(days=2)).replace(year=1990))
    just_after = GuestFactory(birthday=(today - datetime.timedelta(days=2)).replace(year=1985))
    outside = GuestFactory(birthday=(today + datetime.timedelta(days=10)).replace(year=1990))
    assert grant_birthday_bonuses(today=today) == 2
    assert grant_birthday_bonuses(today=today + datetime.timedelta(days=1)) == 0
    assert balance_of(in_window) == (500, 0)
    assert balance_of(just_after) == (500, 0)
    assert balance_of(outside) == (0, 0)


def test_referral_rewards_both_sides_once_per_new_guest(alpha, program):
    program(referral_bonus_points=300, referred_bonus_points=100)
    referrer, newcomer, other = GuestFactory(), GuestFactory(), GuestFactory()
    new_entry, referrer_entry = grant_referral_bonus(guest=newcomer, referrer=referrer)
    assert (new_entry.points, referrer_entry.points) == (100, 300)
    grant_referral_bonus(guest=newcomer, referrer=referrer)
    assert balance_of(referrer) == (300, 0)
    assert balance_of(newcomer) == (100, 0)
    assert LedgerEntry.objects.filter(kind=EntryKind.REFERRAL, guest=other).count() == 0
