"""Guests carry their points and level once the loyalty app gives them a PointsAccount; the list filters by level."""

from decimal import Decimal

from guests.tests.factories import GuestFactory
from loyalty.services import adjust_points, create_level, update_program_settings
from tests.checks import CheckSpec, send_checks
from tests.fixtures import api_as


def _level(name, threshold):
    return create_level(actor=None, name=name, threshold_amount=Decimal(threshold), earn_rate_percent=Decimal(7))


def test_guest_without_points_account_has_no_loyalty_figures(alpha):
    guest = GuestFactory()
    assert api_as(alpha, "owner").get(f"/api/v1/guests/{guest.id}").json()["loyalty"] is None


def test_guest_output_shows_available_pending_and_level(alpha):
    gold = _level("Gold", 10000)
    guest = GuestFactory()
    update_program_settings(actor=None, changes={"activation_delay_hours": 24})
    (check,) = send_checks(alpha, [CheckSpec("10000.00", guest=guest)])  # Gold; its points wait a day
    adjust_points(guest=guest, points=420, reason="Compensation", actor=None, idempotency_key="figures-1")
    body = api_as(alpha, "owner").get(f"/api/v1/guests/{guest.id}").json()
    assert check.points_earned > 0
    assert body["loyalty"] == {
        "available": 420,
        "pending": check.points_earned,
        "level": {"id": gold.id, "name": "Gold"},
    }


def test_list_filters_by_level(alpha):
    silver, gold = _level("Silver", 1000), _level("Gold", 10000)
    in_gold, in_silver = GuestFactory(), GuestFactory()
    GuestFactory()  # no account at all
    send_checks(alpha, [CheckSpec("10000.00", guest=in_gold), CheckSpec("1000.00", guest=in_silver)])
    body = api_as(alpha, "owner").get("/api/v1/guests", {"level": gold.id}).json()
    assert [row["id"] for row in body["results"]] == [in_gold.id]
    body = api_as(alpha, "owner").get("/api/v1/guests", {"level": silver.id}).json()
    assert [row["id"] for row in body["results"]] == [in_silver.id]
