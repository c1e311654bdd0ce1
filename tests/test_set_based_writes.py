"""maxloyalty.db.set_based_writes stores what the ORM would (bulk_create, save), in the current chain's schema only.

A canary: run it on every Django or psycopg upgrade (docs/hot-path.md). The writes lean on psycopg's cursors, COPY
and binary arrays, and on Django's field adaptation; a change there fails here first.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from guests.models import Guest, Visit
from loyalty.models import AppliedCheck, EntryKind, LedgerEntry, PointsAccount
from maxloyalty.db.set_based_writes import insert_default_rows, insert_new_values, insert_rows, update_rows
from restaurants.models import Restaurant


def _entry(guest: Guest, key: str, points: int) -> LedgerEntry:
    return LedgerEntry(
        kind=EntryKind.ACCRUAL,
        points=points,
        guest=guest,
        remaining_points=points,
        idempotency_key=key,
        reason="Check «A-1»",
    )


def test_inserted_rows_read_back_as_the_orm_would_have_stored_them(alpha):
    guest = Guest.objects.create(phone="+79160000101")
    entries = [_entry(guest, "set-write:1", 40), _entry(guest, "set-write:2", 25)]
    insert_rows(LedgerEntry, entries)
    visit = Visit(guest=guest, visited_at=timezone.now(), check_amount=Decimal("1234.50"), points_earned=65)
    insert_rows(Visit, [visit])
    applied = AppliedCheck(
        idempotency_key="set-write:check",
        guest=guest,
        visit=visit,
        total_amount=Decimal("1234.50"),
        checked_at=timezone.now(),
        points_earned=65,
        entry_ids=[entry.pk for entry in entries],
    )
    insert_rows(AppliedCheck, [applied])

    assert all(entry.pk is not None and not entry._state.adding for entry in entries)
    stored = list(LedgerEntry.objects.filter(guest=guest).order_by("id").values("id", "kind", "points", "reason"))
    assert stored == [
        {"id": entries[0].pk, "kind": "accrual", "points": 40, "reason": "Check «A-1»"},
        {"id": entries[1].pk, "kind": "accrual", "points": 25, "reason": "Check «A-1»"},
    ]
    read = AppliedCheck.objects.get(pk=applied.pk)
    assert read.entry_ids == [entries[0].pk, entries[1].pk]
    assert read.visit_id == visit.pk
    assert read.total_amount == Decimal("1234.50")
    assert read.created_at is not None  # auto_now_add stamped as save() would
    assert Visit.objects.get(pk=visit.pk).check_amount == Decimal("1234.50")
    # The sequence moved past the drawn keys: the ORM's next insert does not collide.
    later = LedgerEntry.objects.create(
        kind=EntryKind.ACCRUAL, points=1, guest=guest, remaining_points=1, idempotency_key="set-write:3"
    )
    assert later.pk > entries[1].pk


def test_rows_go_to_the_current_chain_only(alpha, worlds):
    with schema_context(worlds["beta"].chain.schema_name):
        stranger = Guest.objects.create(phone="+79160000102")
        beta_before = LedgerEntry.objects.count()
    guest = Guest.objects.create(phone="+79160000103")
    insert_rows(LedgerEntry, [_entry(guest, "set-write:alpha", 10)])
    assert LedgerEntry.objects.filter(guest=guest).count() == 1
    with schema_context(worlds["beta"].chain.schema_name):
        assert LedgerEntry.objects.count() == beta_before
        assert not LedgerEntry.objects.filter(idempotency_key="set-write:alpha").exists()
        assert Guest.objects.filter(pk=stranger.pk).exists()


def test_updated_rows_take_every_named_field_and_leave_the_others(alpha):
    first, second = Guest.objects.create(phone="+79160000104"), Guest.objects.create(phone="+79160000105")
    accounts = [PointsAccount.objects.create(guest=first), PointsAccount.objects.create(guest=second, pending=7)]
    since = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
    accounts[0].available, accounts[0].lifetime_spend_amount, accounts[0].level_since = 120, Decimal("99.90"), since
    accounts[1].available, accounts[1].pending = 5, 999  # pending is not named below: it must stay 7
    changed = update_rows(PointsAccount, accounts, ["available", "lifetime_spend_amount", "level_since"])
    assert changed == 2
    assert list(
        PointsAccount.objects.filter(pk__in=[a.pk for a in accounts])
        .order_by("id")
        .values_list("available", "pending", "lifetime_spend_amount", "level_since")
    ) == [(120, 0, Decimal("99.90"), since), (5, 7, Decimal("0.00"), None)]


def test_choice_members_are_stored_as_their_values(alpha):
    guest = Guest.objects.create(phone="+79160000106")
    entry = _entry(guest, "set-write:enum", 3)
    entry.kind = EntryKind.WELCOME
    insert_rows(LedgerEntry, [entry])
    assert LedgerEntry.objects.values_list("kind", flat=True).get(pk=entry.pk) == "welcome"
    entry.kind = EntryKind.ACCRUAL
    update_rows(LedgerEntry, [entry], ["kind"])
    assert LedgerEntry.objects.values_list("kind", flat=True).get(pk=entry.pk) == "accrual"


def test_default_rows_are_what_bulk_create_would_store_and_skip_existing_keys(alpha):
    fresh, taken = Guest.objects.create(phone="+79160000107"), Guest.objects.create(phone="+79160000108")
    PointsAccount.objects.create(guest=taken, available=5)
    before = timezone.now()
    created = insert_default_rows(PointsAccount, "guest", [fresh.pk, taken.pk])
    assert [(account.guest_id, account.pk is not None) for account in created] == [(fresh.pk, True)]
    stored = PointsAccount.objects.get(guest=fresh)
    assert (stored.available, stored.pending, stored.lifetime_spend_amount, stored.level_id, stored.level_since) == (
        0,
        0,
        Decimal("0.00"),
        None,
        None,
    )
    assert stored.updated_at >= before
    assert PointsAccount.objects.get(guest=taken).available == 5  # left as it was
    assert insert_default_rows(PointsAccount, "guest", []) == []


def _prepared_statement_texts() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def _new_restaurant_row(name: str) -> dict[str, object]:
    return {
        field.attname: field.get_default() for field in Restaurant._meta.concrete_fields if not field.primary_key
    } | {"name": name, "created_at": timezone.now(), "updated_at": timezone.now()}


def test_a_prepared_insert_writes_to_the_schema_of_each_run(alpha, worlds):
    """One connection, one prepared INSERT, run in alpha, then beta, then alpha: each run writes into its own
    chain's table (the server parses a prepared statement again when the search_path differs from its last run)."""
    insert_new_values(Restaurant, [_new_restaurant_row("Prepared A1")])
    assert any(f'INSERT INTO "{Restaurant._meta.db_table}"' in text for text in _prepared_statement_texts())
    with schema_context(worlds["beta"].chain.schema_name):
        insert_new_values(Restaurant, [_new_restaurant_row("Prepared B1")])
    insert_new_values(Restaurant, [_new_restaurant_row("Prepared A2")])
    assert set(Restaurant.objects.filter(name__startswith="Prepared").values_list("name", flat=True)) == {
        "Prepared A1",
        "Prepared A2",
    }
    with schema_context(worlds["beta"].chain.schema_name):
        assert list(Restaurant.objects.filter(name__startswith="Prepared").values_list("name", flat=True)) == [
            "Prepared B1"
        ]


def test_the_drains_updates_are_not_prepared(alpha):
    """A prepared statement's generic plan for an UPDATE ... FROM unnest is made once, for arrays of unknown length,
    and kept while the table grows: the drain's updates are planned on every run."""
    guest = Guest.objects.create(phone="+79160000107")
    account = PointsAccount.objects.create(guest=guest)
    account.available = 5
    update_rows(PointsAccount, [account], ["available"])
    assert not any("loyalty_pointsaccount" in text for text in _prepared_statement_texts())
    assert PointsAccount.objects.get(pk=account.pk).available == 5


def test_the_insert_is_not_prepared_when_the_setting_is_off(alpha):
    connection.settings_dict["PREPARE_HOT_STATEMENTS"] = False
    try:
        insert_new_values(Restaurant, [_new_restaurant_row("Unprepared")])
        assert not any(f'INSERT INTO "{Restaurant._meta.db_table}"' in text for text in _prepared_statement_texts())
        assert Restaurant.objects.filter(name="Unprepared").exists()
    finally:
        connection.settings_dict["PREPARE_HOT_STATEMENTS"] = True


def test_the_rows_document_is_what_the_standard_encoder_writes():
    from maxloyalty.db.set_based_writes import _ROWS_ENCODER, rows_document

    rows = [
        {
            "amount": Decimal("1.50"),
            "at": dt.datetime(2026, 12, 2, 22, 6, 8, 967281, tzinfo=dt.UTC),
            "day": dt.date(2026, 1, 2),
            "none": None,
            "text": 'Латте \u2028 "q" \x01',
            "nested": [{"ratio": 1.5, "flag": True}],
        }
    ]
    assert rows_document(rows) == _ROWS_ENCODER.encode(rows)
    huge = [{"payload": {"n": 10**30}, "int_keys": {1: "a"}}]  # beyond orjson: the standard encoder writes them
    assert rows_document(huge) == '[{"payload":{"n":1000000000000000000000000000000},"int_keys":{"1":"a"}}]'
