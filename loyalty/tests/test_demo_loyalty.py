"""The demo chain's loyalty data: written through the services (balances add up), and a second run adds nothing."""

from guests.models import Guest, Visit
from loyalty.demo import seed_demo_loyalty
from loyalty.models import LedgerEntry, Level, Promo
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
