"""Bonuses the program gives by itself: welcome (once per guest), birthday (once per birthday). The referral
bonus is paid on the invited guest's first purchase (loyalty.services.referrals)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guests.models import Guest, GuestStatus
from loyalty import rules
from loyalty.models import EntryKind, LedgerEntry
from loyalty.selectors import has_entry_with_key, program_context
from loyalty.services.ledger import grant_program_bonus

if TYPE_CHECKING:
    from accounts.models import User


def grant_welcome_bonus(*, guest: Guest, actor: User | None = None) -> LedgerEntry | None:
    """The program's welcome bonus, at most once per guest (None when the program gives none). `actor`: the staff
    member who registered the guest (recorded; the grant is the program's, not held to their role's limit)."""
    points = program_context().program.welcome_bonus_points
    if not points or guest.status != GuestStatus.ACTIVE:
        return None
    return grant_program_bonus(
        guest=guest,
        points=points,
        kind=EntryKind.WELCOME,
        idempotency_key=f"welcome:{guest.pk}",
        triggered_by=actor,
        reason=str(_("Welcome bonus")),
    )


def _birthday_condition(today: datetime.date, days_before: int, days_after: int) -> Q:
    """Guests whose birthday (month and day) falls within [today − after, today + before]."""
    condition = Q()
    for offset in range(-days_after, days_before + 1):
        day = today + datetime.timedelta(days=offset)
        condition |= Q(birthday__month=day.month, birthday__day=day.day)
        if (day.month, day.day) == (2, 28) and not _is_leap(day.year):
            condition |= Q(birthday__month=2, birthday__day=29)
    return condition


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def grant_birthday_bonuses(*, today: datetime.date) -> int:
    """The birthday bonus for every active guest whose birthday window contains `today` (chain date), once per
    birthday. Returns the number of bonuses granted."""
    program = program_context().program
    if not program.birthday_bonus_points:
        return 0
    before, after = program.birthday_window_days_before, program.birthday_window_days_after
    candidates = Guest.objects.filter(status=GuestStatus.ACTIVE, birthday__isnull=False).filter(
        _birthday_condition(today, before, after)
    )
    granted = 0
    for guest in candidates.iterator(chunk_size=500):
        if guest.birthday is None:
            continue  # not selected: the query asks for a birthday
        occurrence = rules.birthday_in_window(guest.birthday, today, days_before=before, days_after=after)
        if occurrence is None:
            continue
        key = f"birthday:{guest.pk}:{occurrence.year}"
        if has_entry_with_key(key):
            continue
        grant_program_bonus(
            guest=guest,
            points=program.birthday_bonus_points,
            kind=EntryKind.BIRTHDAY,
            idempotency_key=key,
            reason=str(_("Birthday bonus")),
        )
        granted += 1
    return granted
