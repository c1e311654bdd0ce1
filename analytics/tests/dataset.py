"""A small fixed data set with hand-computed metrics (numbers in the tests' comments), and the helpers that write
history: rows at chosen past moments, straight to the raw tables the way the loyalty and POS services leave them.

The services write only at the present moment, so history for the roll-ups' arithmetic (days, months and zone
edges long past) cannot come from them. Each helper marks its row's day changed, as the services' events do
(analytics.signals); that the events really do, for every production write path, is tested through those paths
in test_days_marked_by_events.py (tests/checks.py), never with these helpers."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from analytics.rollups import mark_day_changed
from guests.models import Guest, Visit
from loyalty.models import EntryKind, LedgerEntry, Level, PointsAccount, ProgramSettings
from pos.models import PosConnection, PosKind, Receipt, ReceiptOperation, ReceiptStatus
from restaurants.models import Restaurant
from tests.fixtures import ChainWorld

_serial = itertools.count(1)


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone)


def add_guest(
    *, created_at: dt.datetime, home: Restaurant | None, name: str = "", birthday: dt.date | None = None
) -> Guest:
    n = next(_serial)
    guest = Guest.objects.create(
        phone=f"+7999{n:07d}", first_name=name or f"Guest{n}", last_name="Test", home_restaurant=home, birthday=birthday
    )
    Guest.objects.filter(id=guest.id).update(created_at=created_at)
    guest.created_at = created_at
    mark_day_changed(created_at)
    return guest


def add_visit(guest: Guest, restaurant: Restaurant | None, at: dt.datetime, amount: str) -> Visit:
    mark_day_changed(at)
    return Visit.objects.create(guest=guest, restaurant=restaurant, visited_at=at, check_amount=Decimal(amount))


def delete_visit(visit: Visit) -> None:
    """History rewritten (no service deletes a visit): the roll-ups of its day must follow."""
    visit.delete()
    mark_day_changed(visit.visited_at)


def add_entry(
    guest: Guest, kind: str, points: int, at: dt.datetime, restaurant: Restaurant | None = None
) -> LedgerEntry:
    mark_day_changed(at)
    return LedgerEntry.objects.create(
        guest=guest,
        kind=kind,
        points=points,
        restaurant=restaurant,
        created_at=at,
        available_at=at,
        idempotency_key=f"analytics-test-{next(_serial)}-{guest.id}",
    )


def add_anonymous_check(restaurant: Restaurant, at: dt.datetime, amount: str) -> Receipt:
    connection = PosConnection.objects.filter(restaurant=restaurant).first() or PosConnection.objects.create(
        restaurant=restaurant, kind=PosKind.IIKO, name="analytics test"
    )
    mark_day_changed(at)
    return Receipt.objects.create(
        connection=connection,
        restaurant=restaurant,
        external_id=f"anon-{next(_serial)}",
        operation=ReceiptOperation.SALE,
        status=ReceiptStatus.PROCESSED,
        source="webhook",
        total_amount=Decimal(amount),
        currency="RUB",
        received_at=at,
    )


@dataclass
class FixedData:
    zone: ZoneInfo
    guests: dict[str, Guest] = field(default_factory=dict)


def build_fixed_data(world: ChainWorld) -> FixedData:
    """January–March 2026 in the chain's zone; r0 = restaurants[0] (the manager's), r1 = restaurants[1]."""
    zone = ZoneInfo(world.chain.time_zone)
    r0, r1 = world.restaurants
    at = lambda *args: local(zone, *args)  # noqa: E731
    data = FixedData(zone=zone)
    a = data.guests["A"] = add_guest(created_at=at(2026, 1, 5), home=r0, name="Alice")
    b = data.guests["B"] = add_guest(created_at=at(2026, 1, 10), home=r1, name="Boris")
    c = data.guests["C"] = add_guest(created_at=at(2026, 2, 1, 0, 30), home=r0, name="Clara")
    d = data.guests["D"] = add_guest(created_at=at(2026, 2, 15), home=r1, name="Dmitry")
    data.guests["E"] = add_guest(created_at=at(2026, 3, 1), home=None, name="Elena")

    for guest, restaurant, when, amount in [
        (a, r0, at(2026, 1, 5), "1000"),
        (a, r0, at(2026, 1, 20), "500"),
        (a, r0, at(2026, 2, 10), "1500"),
        (a, r0, at(2026, 3, 25), "2000"),
        (a, r1, at(2026, 3, 28), "1000"),
        (b, r1, at(2026, 1, 10), "800"),
        (b, r1, at(2026, 3, 5), "400"),
        (c, r0, at(2026, 2, 1, 0, 30), "300"),  # 21:30 UTC on 31 January: February in the chain's zone
        (d, r0, at(2026, 2, 15), "600"),
        (d, r1, at(2026, 2, 20), "900"),
        (d, r1, at(2026, 3, 28), "700"),
    ]:
        add_visit(guest, restaurant, when, amount)

    add_entry(a, EntryKind.WELCOME, 100, at(2026, 1, 5))
    add_entry(a, EntryKind.ACCRUAL, 50, at(2026, 1, 5), r0)
    add_entry(a, EntryKind.ACCRUAL, 25, at(2026, 1, 20), r0)
    add_entry(a, EntryKind.REDEMPTION, -30, at(2026, 2, 10), r0)
    add_entry(a, EntryKind.EXPIRY, -20, at(2026, 3, 31, 23, 0))
    add_entry(b, EntryKind.ACCRUAL, 40, at(2026, 1, 10), r1)
    add_entry(b, EntryKind.ADJUSTMENT, 10, at(2026, 3, 5), r1)
    add_entry(d, EntryKind.ACCRUAL, 30, at(2026, 2, 15), r0)
    add_entry(d, EntryKind.REDEMPTION, -30, at(2026, 2, 20), r1)

    add_anonymous_check(r0, at(2026, 1, 15), "3000")
    add_anonymous_check(r1, at(2026, 3, 10), "1000")

    bronze = Level.objects.create(name="Analytics Bronze", threshold_amount=Decimal("0.01"), earn_rate_percent=5)
    silver = Level.objects.create(name="Analytics Silver", threshold_amount=Decimal("5555.55"), earn_rate_percent=7)
    PointsAccount.objects.create(guest=a, available=125, level=silver)
    PointsAccount.objects.create(guest=b, available=50, level=bronze)
    PointsAccount.objects.create(guest=d, available=0, level=bronze)
    ProgramSettings.objects.update_or_create(id=1, defaults={"point_value_amount": Decimal("0.5")})
    return data
