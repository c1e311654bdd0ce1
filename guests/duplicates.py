"""Guests who are probably one person (reads): pairs of active profiles sharing a phone (compared by its last ten
digits, so spellings stored before normalisation meet), an email (case-insensitive), a card number (its digits), or a similar
name with the same birthday (the same first name as searched, the whole name similar); each pair with its reasons.
The merge tool (guests.merge) acts on them.

Finding the pairs compares the whole chain (seconds at 1M guests), so the duplicate scan (guests.duplicate_scans)
runs `found_pairs_sql` in the background and stores its result (DuplicateCandidate); the page and the API read the
stored pairs (`duplicate_pairs`), leaving out those whose guest was merged or erased since.

Each reason is one equi-join of the guest table with itself on a key (PostgreSQL hashes both sides once: linear in
the number of guests, never a cross product); names are compared only within one birthday, by pg_trgm's similarity
where the server has it, otherwise by equal search names.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Literal

from django.db import connection
from django.utils import timezone

from guests.models import DuplicateCandidate, DuplicateScan, Guest, GuestMerge, GuestStatus
from guests.search import trigram_search_available

Reason = Literal["phone", "email", "card", "name_birthday"]
REASONS: tuple[Reason, ...] = ("phone", "email", "card", "name_birthday")
NAME_SIMILARITY = 0.6  # pg_trgm similarity of two search names counted as "the same name" (with the same birthday)
PAGE_SIZE = 50
UNDO_DAYS = 30  # a merge can be undone for this long (guests.merge refuses later)

_TABLE = Guest._meta.db_table


# Only profiles that can still be merged: not erased, not already merged, not the chain's test guest.
def _live(alias: str) -> str:
    return f"{alias}.status NOT IN ('{GuestStatus.ERASED.value}', '{GuestStatus.MERGED.value}') AND NOT {alias}.is_test"


_KEYS: dict[str, tuple[str, str]] = {
    # reason: (the key expression of guest g, the condition that the key is there)
    "phone": ("right(regexp_replace(g.phone, '[^0-9]', '', 'g'), 10)", "g.phone IS NOT NULL AND g.phone <> ''"),
    "email": ("lower(g.email)", "g.email <> ''"),
    "card": ("regexp_replace(g.card_number, '[^0-9]', '', 'g')", "g.card_number IS NOT NULL AND g.card_number <> ''"),
}


def _key_pairs_sql(reason: str) -> str:
    key, present = _KEYS[reason]
    return (
        f"SELECT a.id AS first_id, b.id AS second_id, '{reason}' AS reason "  # noqa: S608  # constants only
        f"FROM (SELECT g.id, {key} AS key FROM {_TABLE} g WHERE {present} AND {_live('g')}) a "
        f"JOIN (SELECT g.id, {key} AS key FROM {_TABLE} g WHERE {present} AND {_live('g')}) b "
        "ON a.key = b.key AND a.id < b.id WHERE a.key <> ''"
    )


def _name_pairs_sql() -> str:
    same_name = (
        "similarity(a.search_name, b.search_name) >= %(similarity)s"
        if trigram_search_available()
        else ("a.search_name = b.search_name")
    )
    return (
        "SELECT a.id AS first_id, b.id AS second_id, 'name_birthday' AS reason "  # noqa: S608  # constants only
        f"FROM {_TABLE} a JOIN {_TABLE} b ON a.birthday = b.birthday AND a.id < b.id "
        # Blocked on the first word too (the first name as searched): similarity only within (birthday, first name),
        # 4 s at 1M guests with 200 first names where the birthday alone took over 100 s (7 Dec 2026).
        "AND split_part(a.search_name, ' ', 1) = split_part(b.search_name, ' ', 1) "
        f"WHERE a.birthday IS NOT NULL AND a.search_name <> '' AND b.search_name <> '' AND {same_name} "
        f"AND {_live('a')} AND {_live('b')}"
    )


def found_pairs_sql() -> str:
    """The query finding every pair (first_id < second_id) with its reasons; its parameter is %(similarity)s."""
    parts = [_key_pairs_sql(reason) for reason in ("phone", "email", "card")] + [_name_pairs_sql()]
    return (
        "SELECT first_id, second_id, array_agg(DISTINCT reason ORDER BY reason) AS reasons "  # noqa: S608  # constants
        f"FROM ({' UNION ALL '.join(parts)}) found GROUP BY first_id, second_id"
    )


@dataclasses.dataclass(frozen=True)
class DuplicatePair:
    first: Guest
    second: Guest
    reasons: tuple[str, ...]


def duplicate_pairs(*, limit: int = PAGE_SIZE, offset: int = 0, guest_id: int | None = None) -> list[DuplicatePair]:
    """The pairs the last scan found whose guests are both still live, lowest ids first (optionally only those with
    `guest_id`)."""
    sql = (
        "SELECT c.first_id, c.second_id, c.reasons "  # noqa: S608  # constants only
        f"FROM {DuplicateCandidate._meta.db_table} c JOIN {_TABLE} a ON a.id = c.first_id "
        f"JOIN {_TABLE} b ON b.id = c.second_id WHERE {_live('a')} AND {_live('b')}"
    )
    params: dict[str, int] = {"limit": limit, "offset": offset}
    if guest_id is not None:
        sql += " AND (c.first_id = %(guest)s OR c.second_id = %(guest)s)"
        params["guest"] = guest_id
    sql += " ORDER BY c.first_id, c.second_id LIMIT %(limit)s OFFSET %(offset)s"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    guests = Guest.objects.in_bulk({guest for row in rows for guest in row[:2]})
    return [
        DuplicatePair(first=guests[first], second=guests[second], reasons=tuple(reasons))
        for first, second, reasons in rows
    ]


def latest_duplicate_scan() -> DuplicateScan | None:
    return DuplicateScan.objects.order_by("-finished_at", "-id").first()


def undoable_merges(*, limit: int = 50) -> list[GuestMerge]:
    """Merges that can still be undone (not undone, younger than UNDO_DAYS), newest first."""
    since = timezone.now() - datetime.timedelta(days=UNDO_DAYS)
    merges = GuestMerge.objects.filter(undone_at__isnull=True, merged_at__gte=since).select_related(
        "survivor", "merged"
    )
    return list(merges.order_by("-merged_at", "-id")[:limit])
