"""Query conditions over guests shared by the selectors (guests.selectors) and the guest list's filters
(guests.filters): what a search box query means, where a day starts, which loyalty relations a query can follow.
Pure: they build conditions and read no rows."""

from __future__ import annotations

import contextlib
import datetime
from functools import cache

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.utils import timezone

from guests.errors import MalformedPhone
from guests.models import Guest
from guests.phones import digits_of, looks_like_phone, normalize_phone


@cache
def loyalty_relations() -> tuple[str, ...]:
    """select_related paths to the guest's PointsAccount (and its level) once the loyalty app defines them."""
    try:
        account_field = Guest._meta.get_field("points_account")
    except FieldDoesNotExist:
        return ()
    try:
        account_field.related_model._meta.get_field("level")
    except FieldDoesNotExist:
        return ("points_account",)
    return ("points_account", "points_account__level")


def search_condition(query: str, *, whole_identifiers_only: bool = False) -> Q:
    """What a search box query means: a phone in any spelling, its last 4 digits, a card, an email, or a name.

    whole_identifiers_only (viewers who see contacts masked): a phone matches only as a whole number, a card only
    as a whole card number, an email only whole; no last digits, prefixes or fragments, which would let a search
    box recover what the mask hides. Names match as for everyone (they are shown whole)."""
    text = query.strip()
    if not text:
        return Q()
    digits = digits_of(text)
    if "@" in text:
        email = text.lower()
        return Q(email=email) if whole_identifiers_only else Q(email=email) | Q(email__startswith=email)
    if whole_identifiers_only and digits and not text.strip("+0123456789 ()-."):
        condition = Q(card_number=digits)
        if looks_like_phone(text):
            with contextlib.suppress(MalformedPhone):
                condition |= Q(phone=normalize_phone(text))
        return condition
    if text.isdigit() and len(text) == 4:
        return Q(phone_tail=text) | Q(card_number=text)
    if looks_like_phone(text):
        try:
            return Q(phone=normalize_phone(text)) | Q(card_number=digits)
        except MalformedPhone:
            return Q(phone__contains=digits) | Q(card_number=digits)
    if digits and not text.strip("+0123456789 ()-."):  # a fragment of a number: "916 12", "+7 903"
        return Q(phone__contains=digits) | Q(card_number__startswith=digits)
    condition = Q()
    for word in text.split():
        name = Q(first_name__icontains=word) | Q(last_name__icontains=word)
        condition &= name if whole_identifiers_only else name | Q(email__istartswith=word)
    if whole_identifiers_only:
        condition |= Q(card_number=text.replace(" ", "").replace("-", ""))
    return condition


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of a day in the active time zone (the chain's, activated by the middleware)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
