"""The sample-data switch (tenants/sample_data.py): the owner turns it on and gets sample guests with visits,
checks and points, marked as samples and left out of billing; one click removes every sample row (ledger entries
included) and their share of the roll-ups, leaving real guests as they were; both are audited; it is refused once
real checks exist, and only the owner may use it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from analytics.models import DailyRestaurantStats, GuestMonthActivity
from audit.models import AuditEntry
from billing.limits import Limit, count_usage
from guests.models import Guest, Visit
from loyalty import rules
from loyalty.models import AppliedCheck, LedgerEntry, PointsAccount
from loyalty.services import apply_check
from tenants.errors import SampleDataAlreadyOn, SampleDataRefused
from tenants.sample_data import SAMPLE_GUESTS, turn_sample_data_on
from tests.checks import register_guest
from tests.fixtures import signed_in_client


def _real_guest_with_a_check(alpha) -> Guest:
    guest = register_guest(first_name="Real", home_restaurant_id=alpha.restaurants[0].id)
    apply_check(
        guest=guest,
        check=rules.Check(total_amount=Decimal(1000), lines=(), points_to_spend=0, at=timezone.now()),
        restaurant=alpha.restaurants[0],
        idempotency_key="real:1",
    )
    return guest


def _rolled_up(field: str) -> int | Decimal:
    return DailyRestaurantStats.objects.aggregate(total=Sum(field))["total"] or 0


def test_owner_turns_samples_on_and_gets_marked_guests_with_visits_checks_and_points(alpha):
    response = signed_in_client(alpha, "owner").post("/settings/sample-data/on")
    assert response.status_code == 302
    samples = Guest.objects.filter(is_sample=True)
    assert samples.count() == SAMPLE_GUESTS
    assert Guest.objects.filter(is_sample=False).count() == 0
    assert AppliedCheck.objects.filter(guest__is_sample=True).count() >= SAMPLE_GUESTS
    assert Visit.objects.filter(guest__is_sample=True).count() >= SAMPLE_GUESTS
    assert LedgerEntry.objects.filter(guest__is_sample=True).exists()
    # Spread over the last two months, and already in the roll-ups the dashboard reads.
    oldest = Visit.objects.order_by("visited_at").values_list("visited_at", flat=True).first()
    assert oldest < timezone.now() - dt.timedelta(days=14)
    assert _rolled_up("visits") == Visit.objects.count()
    entry = AuditEntry.objects.get(action="sample_data.created")
    assert entry.data["guests"] == SAMPLE_GUESTS
    assert entry.actor_label == "owner@alpha.test"


def test_pages_show_the_sample_banner_and_badges_while_samples_are_on(alpha):
    turn_sample_data_on(actor=alpha.user("owner"))
    owner = signed_in_client(alpha, "owner")
    dashboard = owner.get("/dashboard/").content.decode()
    assert 'data-testid="sample-banner"' in dashboard
    assert 'action="/settings/sample-data/off"' in dashboard
    assert dashboard.count('data-chart-empty="') == 0  # the charts have something to draw now
    assert owner.get("/guests/").content.decode().count('data-testid="sample-badge"') == 25  # a page of them
    admin_page = signed_in_client(alpha, "admin").get("/dashboard/").content.decode()
    assert 'data-testid="sample-banner"' in admin_page
    assert 'action="/settings/sample-data/off"' not in admin_page  # only the owner removes them


def test_no_banner_without_samples(alpha):
    assert 'data-testid="sample-banner"' not in signed_in_client(alpha, "owner").get("/dashboard/").content.decode()


def test_sample_guests_are_left_out_of_billing_counts(alpha):
    turn_sample_data_on(actor=alpha.user("owner"))
    register_guest(first_name="Real")
    assert count_usage(alpha.chain, Limit.GUESTS, exact=True) == 1


def test_removal_deletes_every_sample_row_and_its_share_of_the_rollups_and_keeps_real_guests(alpha):
    turn_sample_data_on(actor=alpha.user("owner"))
    real = _real_guest_with_a_check(alpha)
    real_entries = list(LedgerEntry.objects.filter(guest=real).values_list("id", "points"))
    real_balance = PointsAccount.objects.get(guest=real).available

    response = signed_in_client(alpha, "owner").post("/settings/sample-data/off")

    assert response.status_code == 302
    assert list(Guest.objects.values_list("id", flat=True)) == [real.id]
    for model in (AppliedCheck, Visit, LedgerEntry, PointsAccount, GuestMonthActivity):
        assert not model.objects.exclude(guest=real).exists(), model.__name__
    assert list(LedgerEntry.objects.filter(guest=real).values_list("id", "points")) == real_entries
    assert PointsAccount.objects.get(guest=real).available == real_balance == sum(p for _, p in real_entries)
    # The roll-ups hold only the real guest's check now.
    assert _rolled_up("visits") == 1
    assert _rolled_up("new_guests") == 1
    assert _rolled_up("loyalty_revenue_amount") == Decimal(1000)
    assert _rolled_up("points_issued") == sum(p for _, p in real_entries if p > 0)
    removed = AuditEntry.objects.get(action="sample_data.removed")
    assert removed.data["guests"] == SAMPLE_GUESTS
    assert removed.data["ledger_entries"] > 0
    assert 'data-testid="sample-banner"' not in signed_in_client(alpha, "owner").get("/dashboard/").content.decode()


def test_samples_are_refused_once_the_chain_has_real_checks(alpha):
    _real_guest_with_a_check(alpha)
    with pytest.raises(SampleDataRefused):
        turn_sample_data_on(actor=alpha.user("owner"))
    page = signed_in_client(alpha, "owner").post("/settings/sample-data/on", follow=True).content.decode()
    assert "already has real checks" in page
    assert not Guest.objects.filter(is_sample=True).exists()
    assert not AuditEntry.objects.filter(action="sample_data.created").exists()


@pytest.mark.parametrize("role", ["admin", "manager", "cashier"])
def test_only_the_owner_may_switch_samples(alpha, role):
    client = signed_in_client(alpha, role)
    assert client.get("/settings/sample-data/").status_code == 403
    assert client.post("/settings/sample-data/on").status_code == 403
    assert client.post("/settings/sample-data/off").status_code == 403
    assert not Guest.objects.filter(is_sample=True).exists()


def test_turning_samples_on_twice_is_refused_and_adds_nothing(alpha):
    turn_sample_data_on(actor=alpha.user("owner"))
    with pytest.raises(SampleDataAlreadyOn):
        turn_sample_data_on(actor=alpha.user("owner"))
    assert Guest.objects.filter(is_sample=True).count() == SAMPLE_GUESTS
