"""Welcome and birthday bonuses: granted by the program, each at most once, whoever set it off (the referral
bonus is paid on a first purchase: test_referral_bonus.py)."""

import datetime

from accounts.access import resolve_access
from guests.services import create_guest
from loyalty.models import EntryKind, LedgerEntry
from loyalty.selectors import chain_today
from loyalty.services import grant_birthday_bonuses, grant_welcome_bonus
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


def test_a_cashier_registering_a_guest_sets_off_the_programs_welcome_bonus(alpha, program):
    program(welcome_bonus_points=200, cashier_grant_limit=0)
    cashier = resolve_access(alpha.user("cashier"), alpha.chain.id)
    guest = create_guest(access=cashier, phone="+79161234569", home_restaurant_id=alpha.restaurants[0].pk)
    assert balance_of(guest) == (200, 0)
    entry = LedgerEntry.objects.get(guest=guest, kind=EntryKind.WELCOME)
    assert entry.actor_id == cashier.user.pk  # who set it off; the points are the program's rule, not a grant
