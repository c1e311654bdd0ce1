"""Two staff members merge the same pair at once, in opposite directions (threads, separate connections): one
merge wins, the other is refused, and no ledger entry or point is lost."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from django_tenants.utils import schema_context

from guests.errors import CannotMergeGuest
from guests.merge import merge_guests
from guests.models import Guest, GuestStatus
from guests.tests.factories import GuestFactory
from loyalty.models import EntryKind, LedgerEntry, PointsAccount
from loyalty.services import accrue_points
from loyalty.tests.connections import in_own_connection


def _guest_with_points(points: int) -> Guest:
    guest = GuestFactory(email="")
    accrue_points(guest=guest, points=points, kind=EntryKind.WELCOME, idempotency_key=f"race-seed:{guest.pk}")
    return guest


def _delete(guest_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM guests_guestmerge WHERE survivor_id = ANY(%s) OR merged_id = ANY(%s)", [guest_ids] * 2
        )
        cursor.execute("UPDATE guests_guest SET merged_into_id = NULL WHERE id = ANY(%s)", [guest_ids])
        for table, column in (
            ("audit_auditentry", "object_id"),
            ("loyalty_notificationoutbox", "guest_id"),
            ("loyalty_levelchange", "guest_id"),
            ("loyalty_ledgerentry", "guest_id"),
            ("loyalty_pointsaccount", "guest_id"),
            ("guests_guest", "id"),
        ):
            values = [str(value) for value in guest_ids] if column == "object_id" else guest_ids
            cursor.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s)", [values])  # noqa: S608


def test_opposite_merges_of_one_pair_at_once_one_wins_nothing_lost(alpha):
    schema = alpha.chain.schema_name
    first = in_own_connection(schema, lambda: _guest_with_points(120))
    second = in_own_connection(schema, lambda: _guest_with_points(80))
    start = threading.Barrier(2)

    def merge(survivor: Guest, other: Guest) -> str:
        try:
            start.wait()
            with schema_context(schema):
                merge_guests(access=None, survivor_id=survivor.pk, other_id=other.pk)
            return "merged"
        except CannotMergeGuest:
            return "refused"
        finally:
            connection.close()

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(merge, [first, second], [second, first]))
        assert sorted(results) == ["merged", "refused"]
        statuses = dict(Guest.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "status"))
        survivor_id = next(pk for pk, status in statuses.items() if status == GuestStatus.ACTIVE)
        assert sorted(statuses.values()) == [GuestStatus.ACTIVE, GuestStatus.MERGED]
        assert LedgerEntry.objects.filter(guest_id=survivor_id).count() == 2
        assert PointsAccount.objects.get(guest_id=survivor_id).available == 200
        assert (
            PointsAccount.objects.filter(guest_id__in=[first.pk, second.pk])
            .exclude(guest_id=survivor_id)
            .get()
            .available
            == 0
        )
    finally:
        in_own_connection(schema, lambda: _delete([first.pk, second.pk]))
