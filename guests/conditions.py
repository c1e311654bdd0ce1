"""Query conditions over guests shared by the selectors (guests.selectors), the guest list's filters
(guests.filters), the Telegram broadcasts and the campaigns' segments: what a search box query means, where a day
starts, which loyalty relations a query can follow, who may be reached through a channel, who is in a group.
Pure: they build conditions and read no rows."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterable
from functools import cache

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q
from django.utils import timezone

from guests.errors import MalformedPhone
from guests.models import ConsentChannel, Guest, GuestStatus
from guests.phones import digits_of, looks_like_phone, normalize_phone
from guests.search_text import query_keys, search_text

# A note is searched for a fragment this long at least: its trigram index cannot serve a shorter one, and a scan of
# every guest's note would slow the whole search down.
NOTE_FRAGMENT_LENGTH = 3
# A phone is found by its last digits from this many on (fewer would match too many guests to be useful); longer
# runs of digits match anywhere in the number (a suffix or a fragment).
PHONE_SUFFIX_DIGITS = 4


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


def name_words(query: str) -> list[str]:
    """The words of a query that searches by name (in the spelling of Guest.search_name), [] for a query that is a
    number or an email."""
    text = query.strip()
    if not text or "@" in text or not text.strip("+0123456789 ()-."):
        return []
    return search_text(text).split()


def _name_condition(words: list[str]) -> Q:
    """Every word typed finds a word of the name: whole, as its beginning, or one edit away (guests.search_text's
    keys, a GIN index); a single letter as a word's beginning."""
    condition = Q()
    for word in words:
        keys = query_keys(word)
        if keys:
            condition &= Q(search_keys__overlap=keys)
        else:
            condition &= Q(search_name__startswith=word) | Q(search_name__contains=f" {word}")
    return condition


def search_condition(query: str, *, whole_identifiers_only: bool = False) -> Q:
    """What a search box query means: a phone in any spelling or by any suffix of 4+ digits, a card, an email, a
    name (typo-tolerant and in either alphabet: guests.search_text), a word of the staff's note.

    whole_identifiers_only (viewers who see contacts masked): a phone matches only as a whole number, a card only
    as a whole card number, an email only whole; no suffixes, prefixes or fragments, which would let a search box
    recover what the mask hides; notes are not searched either (a note may hold a contact). Names match as for
    everyone (they are shown whole)."""
    text = query.strip()
    if not text:
        return Q()
    digits = digits_of(text)
    if "@" in text:
        email = text.lower()
        return Q(email=email) if whole_identifiers_only else Q(email__startswith=email)
    if whole_identifiers_only and digits and not text.strip("+0123456789 ()-."):
        condition = Q(card_number=digits)
        if looks_like_phone(text):
            with contextlib.suppress(MalformedPhone):
                condition |= Q(phone=normalize_phone(text))
        return condition
    if text.isdigit() and len(text) == PHONE_SUFFIX_DIGITS:  # the last 4 digits, as a cashier asks for them
        return Q(phone__endswith=text) | Q(card_number=text)
    if text.isdigit() and not looks_like_phone(text):  # 5-6 digits: any part of the number, its end included
        return Q(phone__contains=text) | Q(card_number=text)
    if looks_like_phone(text):
        try:
            return Q(phone=normalize_phone(text)) | Q(card_number=digits)
        except MalformedPhone:
            return Q(phone__contains=digits) | Q(card_number=digits)
    if digits and not text.strip("+0123456789 ()-."):  # a fragment of a number as typed: "916 12", "+7 903"
        return Q(phone__contains=digits) | Q(card_number__startswith=digits)
    words = name_words(text)
    condition = _name_condition(words) if words else Q(pk__in=[])
    if whole_identifiers_only:
        return condition | Q(card_number=text.replace(" ", "").replace("-", ""))
    if len(text) >= NOTE_FRAGMENT_LENGTH:
        condition |= Q(note__icontains=text)
    if " " not in text:
        condition |= Q(email__startswith=text.lower())
    return condition


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of a day in the active time zone (the chain's, activated by the middleware)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- who belongs to a group of guests: shared by the guest list (guests.filters), the Telegram broadcast's segment
# (telegram_bot.selectors) and the saved segments of campaigns (campaigns.selectors) ---------------------------------


def consent_condition(channel: str) -> Q:
    """Marketing consent for `channel` (guests.models.ConsentChannel) given and not withdrawn afterwards, as
    Guest.has_consent says it for one guest."""
    given, withdrawn = f"{channel}_consent_at", f"{channel}_consent_withdrawn_at"
    return Q(**{f"{given}__isnull": False}) & (
        Q(**{f"{withdrawn}__isnull": True}) | Q(**{f"{withdrawn}__lt": F(given)})
    )


def reachable_condition(channel: str) -> Q:
    """The one rule for "may we send marketing to this guest through `channel` (telegram, email, sms)": an active
    guest (not blocked, not erased), not the chain's test guest, with the channel's consent given and not withdrawn
    and the contact present: an email address, a phone number, or a chat with the bot that has not been blocked
    (Telegram answered 403)."""
    if channel not in ConsentChannel.values:
        raise ValueError(f"unknown channel {channel!r}")
    contact = {
        ConsentChannel.EMAIL: ~Q(email=""),
        ConsentChannel.SMS: Q(phone__isnull=False) & ~Q(phone=""),
        ConsentChannel.TELEGRAM: Q(telegram_chat__isnull=False, telegram_chat__unreachable_at__isnull=True),
    }[ConsentChannel(channel)]
    return Q(status=GuestStatus.ACTIVE, is_test=False) & consent_condition(channel) & contact


def any_tag_condition(tags: Iterable[str]) -> Q:
    """Guests with at least one of the tags."""
    return Q(tags__overlap=[tag.strip() for tag in tags if tag.strip()])


def level_condition(level_ids: Iterable[int]) -> Q:
    """Guests on one of these loyalty levels (none while this build has no levels)."""
    if "points_account__level" not in loyalty_relations():
        return Q(pk__in=[])
    return Q(points_account__level_id__in=[int(level_id) for level_id in level_ids])


def birthday_month_condition(month: int) -> Q:
    return Q(birthday__month=int(month))


def home_restaurant_condition(restaurant_ids: Iterable[int]) -> Q:
    return Q(home_restaurant_id__in=[int(restaurant_id) for restaurant_id in restaurant_ids])
