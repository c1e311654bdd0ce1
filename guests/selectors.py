"""Reads of guests shared by the API, pages, tasks and other apps: access by id, list, search, lookup.

Who sees which guest (the one rule, applied by visible_guests and so by everything below):
- owners and admins see every guest of the chain;
- managers and cashiers (restaurant-scoped roles) see the guests "of their restaurants": a guest whose home
  restaurant is one of theirs, or who has a visit at one of theirs, or who has no restaurant at all yet (no home
  restaurant and no visit anywhere: a walk-in just created by the bot, an import or another till), so the cashier
  can find a new guest by phone and their first visit ties the guest to the restaurant;
- erased guests (right to be forgotten) are hidden from everyone; their rows stay only so visits and ledger totals
  remain correct.
A guest outside this rule is answered exactly like a missing one (GuestNotFound, 404).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Right
from django.utils.translation import gettext_lazy as _

from accounts.access import ChainAccess
from guests.errors import GuestNotFound, MalformedPhone
from guests.models import Guest, GuestStatus, ImportJob, Visit
from guests.phones import digits_of, looks_like_phone, normalize_phone
from maxloyalty.errors import NotFound, ValidationFailed


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


def loyalty_figures(guest: Guest) -> dict[str, Any] | None:
    """Points available/pending and level from the guest's PointsAccount (loyalty app), None when it has none."""
    if not loyalty_relations():
        return None
    try:
        account = guest.points_account  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        return None
    level = getattr(account, "level", None)
    return {
        "available": getattr(account, "available", None),
        "pending": getattr(account, "pending", None),
        "level": {"id": level.pk, "name": str(getattr(level, "name", level))} if level is not None else None,
    }


def with_loyalty(queryset: QuerySet[Guest]) -> QuerySet[Guest]:
    relations = loyalty_relations()
    return queryset.select_related(*relations) if relations else queryset


def visible_guests(access: ChainAccess | None) -> QuerySet[Guest]:
    """Every guest this staff member may see (None: the system itself, e.g. a task or the bot: all of them)."""
    guests = Guest.objects.exclude(status=GuestStatus.ERASED)
    if access is None or access.restaurant_ids is None:
        return guests
    restaurant_ids = access.restaurant_ids
    visited_theirs = Visit.objects.filter(guest=OuterRef("pk"), restaurant_id__in=restaurant_ids)
    visited_any = Visit.objects.filter(guest=OuterRef("pk"), restaurant__isnull=False)
    return guests.filter(
        Q(home_restaurant_id__in=restaurant_ids)
        | Exists(visited_theirs)
        | (Q(home_restaurant__isnull=True) & ~Exists(visited_any))
    )


def chain_guests() -> QuerySet[Guest]:
    """Every guest of the chain who can be served: a guest is the chain's, and may walk into any restaurant."""
    return Guest.objects.exclude(status=GuestStatus.ERASED)


def access_guest(*, access: ChainAccess | None, guest_id: int, to_edit: bool = False) -> Guest:
    """The guest to serve (any guest of the chain: cards, balances and operations, which are themselves checked
    against the restaurant they happen at), or with to_edit=True to change their profile (only guests visible to
    this role). GuestNotFound (404) otherwise, the same for "missing" and "not yours"."""
    guests = visible_guests(access) if to_edit else chain_guests()
    guest = with_loyalty(guests).filter(pk=guest_id).first()
    if guest is None:
        raise GuestNotFound(guest_id=guest_id)
    return guest


def search_condition(query: str) -> Q:
    """What a search box query means: a phone in any spelling, its last 4 digits, a card, an email, or a name."""
    text = query.strip()
    if not text:
        return Q()
    digits = digits_of(text)
    if "@" in text:
        email = text.lower()
        return Q(email=email) | Q(email__startswith=email)
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
        condition &= Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__istartswith=word)
    return condition


def search_guests(*, access: ChainAccess | None, query: str) -> QuerySet[Guest]:
    guests = visible_guests(access).alias(phone_tail=Right("phone", 4)).filter(search_condition(query))
    return with_loyalty(guests).order_by("-last_visit_at", "-id")


# An exact identifier is the hottest read (every check at the till and from the POS). A raw query on the unique
# index skips the ORM's SQL compiler, which costs more than the lookup itself (bench/loyalty_core.py); the loyalty
# figures are then read on demand. Column names are constants here, the value is a parameter.
_EXACT_COLUMNS = {"phone": "phone", "card": "card_number", "qr": "qr_token"}
_EXACT_LOOKUP_SQL = {
    kind: f"SELECT * FROM guests_guest WHERE {column} = %s AND status <> %s LIMIT 1"  # noqa: S608
    for kind, column in _EXACT_COLUMNS.items()
}


def exact_identifier(*, phone: str | None = None, card: str | None = None, qr: str | None = None) -> tuple[str, str]:
    """(kind, value as stored) of exactly one of phone (any spelling), card number, QR token."""
    given = {name: value for name, value in (("phone", phone), ("card", card), ("qr", qr)) if value}
    if len(given) != 1:
        message = _("Give exactly one of phone, card or qr.")
        raise ValidationFailed(message, fields={"lookup": [str(message)]})
    if phone:
        return "phone", normalize_phone(phone)
    if card:
        return "card", card.replace(" ", "").replace("-", "")
    return "qr", str(qr)


def lookup_guest(
    *, access: ChainAccess | None, phone: str | None = None, card: str | None = None, qr: str | None = None
) -> Guest:
    """The one guest identified by exactly one of: phone (any spelling), card number, QR token. An exact identifier
    finds the guest chain-wide: a guest of one restaurant shows their card at another and still earns there."""
    kind, value = exact_identifier(phone=phone, card=card, qr=qr)
    guest = next(iter(Guest.objects.raw(_EXACT_LOOKUP_SQL[kind], [value, GuestStatus.ERASED])), None)
    if guest is None:
        raise GuestNotFound(**{key: given for key, given in (("phone", phone), ("card", card)) if given})
    return guest


def lookup_guests(
    identifiers: Iterable[tuple[str, str]], *, fields: Sequence[str] = ()
) -> dict[tuple[str, str], Guest]:
    """Many exact lookups at once (the POS pipeline's batch): {(kind, value): guest} for those found, where kind is
    phone, card or qr and value is spelled in any way lookup_guest accepts; one query per kind. `fields`: only
    these columns are read (the identifiers always), the rest load on access."""
    wanted: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for kind, value in identifiers:
        try:
            stored_kind, stored = exact_identifier(**{kind: value})
        except (ValidationFailed, TypeError):
            continue
        wanted.setdefault(stored_kind, {}).setdefault(stored, []).append((kind, value))
    found: dict[tuple[str, str], Guest] = {}
    for kind, by_value in wanted.items():
        column = _EXACT_COLUMNS[kind]
        guests = chain_guests().filter(**{f"{column}__in": list(by_value)})
        if fields:
            guests = guests.only(*fields, *_EXACT_COLUMNS.values())
        for guest in guests:
            for asked in by_value.get(getattr(guest, column), ()):
                found[asked] = guest
    return found


def guest_list(*, access: ChainAccess | None, params: Mapping[str, Any] | None = None) -> QuerySet[Guest]:
    """Visible guests narrowed by the list's filters (search, status, tag, level, last visit, birthday month)."""
    from guests.filters import GuestFilter

    filterset = GuestFilter(params or {}, queryset=visible_guests(access).alias(phone_tail=Right("phone", 4)))
    if not filterset.is_valid():
        raise ValidationFailed(
            fields={key: [str(message) for message in value] for key, value in filterset.errors.items()}
        )
    return with_loyalty(filterset.qs)


def guest_visits(*, guest: Guest) -> QuerySet[Visit]:
    return guest.visits.select_related("restaurant").order_by("-visited_at", "-id")


def access_import_job(*, access: ChainAccess | None, job_id: int) -> ImportJob:
    """An import job; staff limited to restaurants see only the jobs they started themselves."""
    jobs = ImportJob.objects.all()
    if access is not None and access.restaurant_ids is not None:
        jobs = jobs.filter(created_by=access.user)
    job = jobs.filter(pk=job_id).first()
    if job is None:
        raise NotFound(job_id=job_id)
    return job


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight of a day in the active time zone (the chain's, activated by the middleware)."""
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
