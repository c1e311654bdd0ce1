"""Guests as CSV rows for the streaming export: same columns as the import, contacts masked per role, every cell
through maxloyalty.spreadsheets (never run as a formula)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from guests.masking import mask_contact
from guests.models import ConsentChannel, Guest
from guests.selectors import loyalty_figures
from maxloyalty.spreadsheets import safe_row

if TYPE_CHECKING:
    import datetime

    from accounts.access import ChainAccess

COLUMNS = (
    "id",
    "phone",
    "first_name",
    "last_name",
    "email",
    "birthday",
    "gender",
    "language",
    "tags",
    "card_number",
    "note",
    "sms_consent",
    "email_consent",
    "telegram_consent",
    "status",
    "source",
    "home_restaurant",
    "points_available",
    "points_pending",
    "level",
    "first_visit_at",
    "last_visit_at",
    "created_at",
)


def _local(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def export_rows(*, access: ChainAccess | None, guests: QuerySet[Guest], chunk_size: int = 2000) -> Iterator[list[str]]:
    """The header, then one row per guest, reading the database in chunks (constant memory for any count)."""
    yield list(COLUMNS)
    for guest in guests.iterator(chunk_size=chunk_size):
        loyalty = loyalty_figures(guest) or {}
        level = loyalty.get("level") or {}
        yield safe_row(
            [
                str(guest.pk),
                mask_contact(guest.phone, kind="phone", access=access),
                guest.first_name,
                guest.last_name,
                mask_contact(guest.email, kind="email", access=access),
                guest.birthday.isoformat() if guest.birthday else "",
                guest.gender,
                guest.language,
                ";".join(guest.tags),
                guest.card_number or "",
                guest.note,
                *("yes" if guest.has_consent(channel) else "no" for channel in ConsentChannel.values),
                guest.status,
                guest.source,
                str(guest.home_restaurant_id or ""),
                "" if loyalty.get("available") is None else str(loyalty["available"]),
                "" if loyalty.get("pending") is None else str(loyalty["pending"]),
                str(level.get("name", "")),
                _local(guest.first_visit_at),
                _local(guest.last_visit_at),
                _local(guest.created_at),
            ]
        )
