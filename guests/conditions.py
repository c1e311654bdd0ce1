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


def reachable_condition(channel: str) -> Q:
    """Guests a message on `channel` ("telegram", "email", "sms") can go to, in SQL: active, consent given and not
    withdrawn since (as Guest.has_consent), the contact present and not suppressed: an email address without a hard
    bounce or complaint (messaging.models.EmailSuppression), a Telegram chat that has not blocked the bot. The
    per-guest check at send time is messaging.channels.choose_channel; the two agree on the guest's part (messaging's
    tests); the chain's part (a connected bot, an SMS provider) only choose_channel checks."""
    from django.db.models import Exists, F, OuterRef
    from django.db.models.functions import Lower

    from messaging.models import EmailSuppression
    from telegram_bot.models import TelegramChat

    consent = Q(**{f"{channel}_consent_at__isnull": False}) & (
        Q(**{f"{channel}_consent_withdrawn_at__isnull": True})
        | Q(**{f"{channel}_consent_withdrawn_at__lt": F(f"{channel}_consent_at")})
    )
    condition = Q(status="active") & consent
    if channel == "email":
        suppressed = EmailSuppression.objects.filter(address=Lower(OuterRef("email")))
        return condition & ~Q(email="") & ~Q(Exists(suppressed))
    if channel == "sms":
        return condition & Q(phone__isnull=False) & ~Q(phone="")
    if channel == "telegram":
        chats = TelegramChat.objects.filter(guest=OuterRef("pk"), unreachable_at__isnull=True)
        return condition & Q(Exists(chats))
    return Q(pk__in=[])
