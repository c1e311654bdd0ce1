"""A write through the production paths shows in its day's roll-up at the next refresh, without the scheduled pass:
the services announce it after commit (loyalty.events, guests.events, pos.events) and the analytics receivers
mark its day changed. The data is made the way production makes it (tests/checks.py), never by ORM inserts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from analytics.models import DailyRestaurantStats
from analytics.periods import chain_time_zone
from analytics.rollups import refresh_dirty_days
from guests.services import start_import_job
from loyalty.services import expire_points, redeem_points, update_program_settings
from tests.checks import CheckSpec, committed_effects, register_guest, send_checks

FIGURES = (
    "new_guests",
    "visits",
    "loyalty_revenue_amount",
    "other_checks",
    "other_revenue_amount",
    "points_issued",
    "points_redeemed",
    "points_expired",
)


def _day_figures(day: dt.date, restaurant_id: int | None) -> dict[str, object]:
    row = DailyRestaurantStats.objects.filter(day=day, restaurant_id=restaurant_id).values(*FIGURES).first()
    return row or dict.fromkeys(FIGURES, 0)


def _today() -> dt.date:
    return timezone.now().astimezone(chain_time_zone()).date()


def _settled() -> None:
    """Every day marked so far is recomputed: what the test does next is the only change left to see."""
    refresh_dirty_days()


def test_a_check_without_a_guest_processed_by_the_pos_drain_counts_at_the_next_refresh(alpha) -> None:
    restaurant = alpha.restaurants[0]
    _settled()
    before = _day_figures(_today(), restaurant.id)

    send_checks(alpha, [CheckSpec(total_amount="777.70", restaurant=restaurant)])

    assert refresh_dirty_days() > 0
    after = _day_figures(_today(), restaurant.id)
    assert after["other_checks"] == before["other_checks"] + 1
    assert after["other_revenue_amount"] == (before["other_revenue_amount"] or 0) + Decimal("777.70")


def test_a_guests_check_processed_by_the_pos_drain_counts_on_the_day_of_its_visit(alpha) -> None:
    restaurant = alpha.restaurants[1]
    guest = register_guest(home_restaurant_id=restaurant.id)
    visited_on = _today() - dt.timedelta(days=4)  # neither today nor yesterday: the scheduled pass would miss it
    closed_at = dt.datetime.combine(visited_on, dt.time(13, 0), tzinfo=chain_time_zone())
    _settled()
    before = _day_figures(visited_on, restaurant.id)

    send_checks(alpha, [CheckSpec(total_amount="1234.50", guest=guest, restaurant=restaurant, closed_at=closed_at)])

    assert refresh_dirty_days() > 0
    after = _day_figures(visited_on, restaurant.id)
    assert after["visits"] == before["visits"] + 1
    assert after["loyalty_revenue_amount"] == (before["loyalty_revenue_amount"] or 0) + Decimal("1234.50")


def test_a_registration_and_its_welcome_bonus_count_at_the_next_refresh(alpha) -> None:
    restaurant = alpha.restaurants[0]
    update_program_settings(actor=None, changes={"welcome_bonus_points": 150})
    _settled()
    before = _day_figures(_today(), restaurant.id)

    register_guest(home_restaurant_id=restaurant.id)

    assert refresh_dirty_days() > 0
    after = _day_figures(_today(), restaurant.id)
    assert after["new_guests"] == before["new_guests"] + 1
    today_without_restaurant = _day_figures(_today(), None)  # the welcome bonus is no restaurant's
    assert today_without_restaurant["points_issued"] >= 150


def test_a_redemption_and_the_nightly_expiry_count_at_the_next_refresh(alpha) -> None:
    update_program_settings(actor=None, changes={"welcome_bonus_points": 500, "expiry_days": 1})
    guest = register_guest()
    _settled()
    before = _day_figures(_today(), None)

    with committed_effects():
        redeem_points(guest=guest, points=200, idempotency_key="analytics-events-redeem")
    assert refresh_dirty_days() > 0
    redeemed = _day_figures(_today(), None)
    assert redeemed["points_redeemed"] == before["points_redeemed"] + 200

    with committed_effects():
        expire_points(today=_today() + dt.timedelta(days=5))
    assert refresh_dirty_days() > 0
    assert _day_figures(_today(), None)["points_expired"] >= before["points_expired"] + 300


def test_guests_imported_from_a_csv_count_at_the_next_refresh(alpha, settings, tmp_path) -> None:
    """The import commits row by row; each new guest is announced (guest_registered) as its row commits."""
    settings.MEDIA_ROOT = str(tmp_path)
    update_program_settings(actor=None, changes={"welcome_bonus_points": 0})  # nothing but the guests to announce
    _settled()
    before = _day_figures(_today(), None)
    upload = SimpleUploadedFile(
        "guests.csv", b"phone,first_name\n+79167770001,Vera\n+79167770002,Oleg\n", content_type="text/csv"
    )

    with committed_effects():
        start_import_job(access=None, upload=upload)

    assert refresh_dirty_days() > 0
    assert _day_figures(_today(), None)["new_guests"] == before["new_guests"] + 2
