"""The liability data set of chain alpha, written through the production services (accrue_points,
grant_program_bonus, redeem_points, adjust_points, expire_points) and then moved into the past.

The services write at the present moment; each entry is moved afterwards to its moment in 2026 (created_at,
available_at and expires_at together, the way analytics.tests.dataset backdates its rows), keeping the FIFO order
the services used. Point value 0.50. Hand-computed figures (today = the real today, Dec 2026 or later):

guest A (r0): Jan 10 accrual 100 (expires 1 April) · Feb 5 redeemed 30 (from it) · expiry sweep of 2 April
  takes the 70 left · Mar 3 accrual 200 (expires in the 10th day of next month) · Apr 10 redeemed 50 (from it).
guest B: Feb 1 welcome bonus 40 (no restaurant, never expires) · Mar 20 adjusted −10 (from it) · today an
  accrual of 60 at r1, pending (activation delay 24 h).

outstanding: available 150 (r0) + 30 (none) = 180, pending 60 (r1): 240 points = 120.00
schedule: next month 150 points (75.00); never expire 30; pending lots are not in the schedule
cohorts: Jan 100 issued / 30 redeemed / 70 expired / 0 open (mature: breakage 70.0 %, redemption 30.0 %);
  Feb 40 / 0 / 0 / other 10 / open 30; Mar 200 / 50 / 0 / open 150; this month 60 / open 60
forecast: next month 150 → 105 expire (52.50), 45 redeemed (22.50)
statement 2026 (opening → closing): Jan 0 +100 → 100; Feb +40 −30 → 110; Mar +200 −10 (other) → 300;
  Apr −50 redeemed −70 expired → 180; … unchanged … ; this month +60 → 240.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from analytics.periods import month_of, next_month
from analytics.rollups import recompute_days
from guests.models import Guest
from loyalty.models import EntryKind, LedgerEntry
from loyalty.services import update_program_settings
from loyalty.services.expiry import expire_points
from loyalty.services.ledger import accrue_points, adjust_points, grant_program_bonus, redeem_points
from loyalty.tests.factories import GuestFactory
from tests.fixtures import ChainWorld


@dataclass
class LiabilityData:
    zone: ZoneInfo
    today: dt.date
    next_month: dt.date
    a: Guest
    b: Guest


def move_entry(entry: LedgerEntry, at: dt.datetime, expires_at: dt.datetime | None = None) -> None:
    """The entry as if written at `at` (its lot expiring at `expires_at`)."""
    LedgerEntry.objects.filter(pk=entry.pk).update(created_at=at, available_at=at, expires_at=expires_at)


def build_liability_data(world: ChainWorld) -> LiabilityData:
    zone = ZoneInfo(world.chain.time_zone)
    r0, r1 = world.restaurants
    at = lambda month, day, hour=12: dt.datetime(2026, month, day, hour, tzinfo=zone)  # noqa: E731
    today = timezone.now().astimezone(zone).date()
    following = next_month(month_of(today))
    update_program_settings(actor=None, changes={"point_value_amount": Decimal("0.5")})
    a = GuestFactory(home_restaurant=r0)
    b = GuestFactory(home_restaurant=r1)

    jan = accrue_points(guest=a, points=100, kind=EntryKind.ACCRUAL, idempotency_key="liab-a-jan", restaurant=r0)
    move_entry(jan, at(1, 10), expires_at=at(4, 1, 0))
    feb = redeem_points(guest=a, points=30, idempotency_key="liab-a-feb", restaurant=r0)
    move_entry(feb, at(2, 5))
    expire_points(today=dt.date(2026, 4, 2))
    expiry = LedgerEntry.objects.get(guest=a, kind=EntryKind.EXPIRY)
    move_entry(expiry, at(4, 1, 0) + dt.timedelta(minutes=30))
    mar = accrue_points(guest=a, points=200, kind=EntryKind.ACCRUAL, idempotency_key="liab-a-mar", restaurant=r0)
    move_entry(mar, at(3, 3), expires_at=dt.datetime.combine(following.replace(day=10), dt.time.min, tzinfo=zone))
    apr = redeem_points(guest=a, points=50, idempotency_key="liab-a-apr", restaurant=r0)
    move_entry(apr, at(4, 10))

    welcome = grant_program_bonus(
        guest=b, points=40, kind=EntryKind.WELCOME, idempotency_key="liab-b-welcome", reason="welcome"
    )
    move_entry(welcome, at(2, 1))
    adjustment = adjust_points(guest=b, points=-10, reason="correction", actor=None, idempotency_key="liab-b-adj")
    move_entry(adjustment, at(3, 20))
    update_program_settings(actor=None, changes={"activation_delay_hours": 24})
    accrue_points(guest=b, points=60, kind=EntryKind.ACCRUAL, idempotency_key="liab-b-now", restaurant=r1)

    recompute_days(dt.date(2026, 1, 1), today, zone)
    return LiabilityData(zone=zone, today=today, next_month=following, a=a, b=b)
