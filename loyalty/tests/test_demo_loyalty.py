"""The demo chain's loyalty data: written through the services (balances add up), seeded once, and dated like
real history (a guest joined around their first visit)."""

import datetime as dt

from django.utils import timezone

from guests.models import Guest, Visit
from loyalty.demo import seed_demo_loyalty
from loyalty.models import EntryKind, LedgerEntry, Level, Promo
from loyalty.tests.ledger_checks import assert_balance_matches_ledger


def test_demo_loyalty_data_is_consistent_and_seeded_once(alpha):
    given = seed_demo_loyalty(restaurants=alpha.restaurants, admin=alpha.user("admin"), guests=12)
    entries, visits = LedgerEntry.objects.count(), Visit.objects.count()
    assert given >= 8  # guests given new checks (a few have no visits yet)
    assert Level.objects.count() == 3
    assert Promo.objects.count() == 1
    assert visits > 12
    for guest in Guest.objects.all():
        assert_balance_matches_ledger(guest)

    assert seed_demo_loyalty(restaurants=alpha.restaurants, admin=alpha.user("admin"), guests=12) == 0
    assert (LedgerEntry.objects.count(), Visit.objects.count()) == (entries, visits)


def test_demo_guests_joined_around_their_first_visit_not_today(alpha):
    seed_demo_loyalty(restaurants=alpha.restaurants, admin=alpha.user("admin"), guests=12)
    day_ago = timezone.now() - dt.timedelta(days=1)
    guests = list(Guest.objects.all())
    assert len(guests) == 12
    for guest in guests:
        assert guest.created_at < day_ago, guest.phone
        if guest.first_visit_at is not None:
            assert guest.first_visit_at - dt.timedelta(hours=2) <= guest.created_at <= guest.first_visit_at
        welcome = LedgerEntry.objects.get(guest=guest, kind=EntryKind.WELCOME)
        assert welcome.created_at == guest.created_at
