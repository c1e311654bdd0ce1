"""Cohort rates follow the FIFO lots: a redemption spanning two months of issue is split between them, an expiry
takes only what was left of the lots it expired, in whichever order the deductions came."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from analytics.liability import liability_summary
from analytics.tests.liability_dataset import move_entry
from loyalty.models import EntryKind, LedgerEntry
from loyalty.services import update_program_settings
from loyalty.services.expiry import expire_points
from loyalty.services.ledger import accrue_points, redeem_points
from loyalty.tests.factories import GuestFactory


def _rates(zone: ZoneInfo) -> dict[dt.date, tuple[int, int, int, int]]:
    return {
        row["cohort"]: (row["issued_points"], row["redeemed_points"], row["expired_points"], row["open_points"])
        for row in liability_summary(zone)["cohorts"]
    }


def test_a_redemption_spanning_two_cohorts_and_a_later_expiry_are_split_lot_by_lot(alpha) -> None:
    zone = ZoneInfo(alpha.chain.time_zone)
    at = lambda month, day, hour=12: dt.datetime(2026, month, day, hour, tzinfo=zone)  # noqa: E731
    update_program_settings(actor=None, changes={"point_value_amount": Decimal(1)})
    guest = GuestFactory(home_restaurant=alpha.restaurants[0])
    january = accrue_points(guest=guest, points=50, kind=EntryKind.ACCRUAL, idempotency_key="fifo-jan")
    move_entry(january, at(1, 5), expires_at=at(5, 1, 0))
    february = accrue_points(guest=guest, points=50, kind=EntryKind.ACCRUAL, idempotency_key="fifo-feb")
    move_entry(february, at(2, 2), expires_at=at(6, 1, 0))
    move_entry(redeem_points(guest=guest, points=70, idempotency_key="fifo-mar"), at(3, 1))  # 50 Jan + 20 Feb
    expire_points(today=dt.date(2026, 6, 2))  # the 30 left of February
    move_entry(LedgerEntry.objects.get(guest=guest, kind=EntryKind.EXPIRY), at(6, 1, 1))

    assert _rates(zone) == {dt.date(2026, 1, 1): (50, 50, 0, 0), dt.date(2026, 2, 1): (50, 20, 30, 0)}
    cohorts = liability_summary(zone)["cohorts"]
    assert [(row["redemption_rate_percent"], row["breakage_rate_percent"]) for row in cohorts] == [
        (Decimal("100.0"), Decimal("0.0")),
        (Decimal("40.0"), Decimal("60.0")),
    ]
    assert liability_summary(zone)["breakage_rate_percent"] == Decimal("30.0")  # 30 expired of 100 issued


def test_an_expiry_before_a_redemption_takes_the_older_lot_and_the_redemption_the_newer(alpha) -> None:
    zone = ZoneInfo(alpha.chain.time_zone)
    at = lambda month, day, hour=12: dt.datetime(2026, month, day, hour, tzinfo=zone)  # noqa: E731
    guest = GuestFactory(home_restaurant=alpha.restaurants[0])
    old = accrue_points(guest=guest, points=40, kind=EntryKind.ACCRUAL, idempotency_key="fifo-old")
    move_entry(old, at(1, 10), expires_at=at(4, 1, 0))
    new = accrue_points(guest=guest, points=60, kind=EntryKind.ACCRUAL, idempotency_key="fifo-new")
    move_entry(new, at(3, 10), expires_at=dt.datetime(2099, 1, 1, tzinfo=zone))
    expire_points(today=dt.date(2026, 4, 2))
    move_entry(LedgerEntry.objects.get(guest=guest, kind=EntryKind.EXPIRY), at(4, 1, 1))
    move_entry(redeem_points(guest=guest, points=10, idempotency_key="fifo-may"), at(5, 5))

    assert _rates(zone) == {dt.date(2026, 1, 1): (40, 0, 40, 0), dt.date(2026, 3, 1): (60, 10, 0, 50)}
    assert liability_summary(zone)["schedule"]["later_points"] == 50  # expires in 2099: beyond the 12 months
