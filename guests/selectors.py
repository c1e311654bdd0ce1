"""Reads of guests shared by the API, pages, tasks and other apps: access by id, list, search, lookup.

Which guests a staff member reaches (the one rule; every door asks visible_guests, access_guest or lookup_guest):
- owners and admins reach every guest of the chain;
- managers and cashiers (restaurant-scoped roles) reach "their restaurants' guests": a guest belongs to a
  restaurant when it is the guest's home restaurant or the guest has a visit there. The guest list, search, detail
  by id, history (visits), edits and the export show only these (visible_guests); any other guest is answered
  exactly like a missing one (GuestNotFound, 404);
- the till reaches further, as serving needs: an exact lookup by a whole phone number, card number or QR token
  (lookup_guest) finds any guest of the chain, and the staff member who found a guest that way may then serve
  that guest by id at the till (quote, check, balance: access_guest's default reach) for TILL_REACH_SECONDS; their
  first visit ties them to the restaurant. A 409 "this phone is taken" at the till's sign-up counts as such a
  lookup (the staff member typed the whole number);
- erased guests (right to be forgotten) are hidden from everyone; their rows stay only so visits and ledger totals
  remain correct.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from django.core.cache import caches
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.access import ChainAccess
from guests.conditions import loyalty_relations
from guests.errors import GuestMerged, GuestNotFound, TooManyPhoneProbes
from guests.filters import GuestFilter
from guests.masking import contact_view
from guests.models import Guest, GuestExport, GuestStatus, ImportJob, RestaurantGuest, Visit
from guests.phones import looks_like_phone, normalize_phone
from guests.search import matching_guests
from maxloyalty.capped_count import CappedCount, capped_count
from maxloyalty.db.fast_instances import fast_load
from maxloyalty.db.planner import bitmap_scans_only
from maxloyalty.errors import NotFound, ValidationFailed


def loyalty_figures(guest: Guest) -> dict[str, Any] | None:
    """Points available/pending and level from the guest's PointsAccount (loyalty app), None when it has none."""
    if not loyalty_relations():
        return None
    try:
        account = guest.points_account
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
    """Every guest this staff member may browse (None: the system itself, e.g. a task or the bot: all of them)."""
    guests = chain_guests()
    if access is None or access.restaurant_ids is None:
        return guests
    restaurant_ids = access.restaurant_ids
    # One index probe per guest (RestaurantGuest, kept by every visit write), not a search of each month's visits.
    visited_theirs = RestaurantGuest.objects.filter(guest=OuterRef("pk"), restaurant_id__in=restaurant_ids)
    return guests.filter(Q(home_restaurant_id__in=restaurant_ids) | Exists(visited_theirs))


def chain_guests() -> QuerySet[Guest]:
    """Every guest of the chain who can be served (the system's view: the POS pipeline, the bot)."""
    return Guest.objects.exclude(status__in=(GuestStatus.ERASED, GuestStatus.MERGED))


# How long a guest found by exact lookup stays reachable by id at the till for the staff member who found them.
TILL_REACH_SECONDS = 4 * 3600


def _reach_key(access: ChainAccess, guest_id: int) -> str:
    return f"guests:till-reach:{access.user.pk}:{guest_id}"  # the default cache is per chain


def remember_till_reach(*, access: ChainAccess | None, guest_id: int) -> None:
    """The staff member proved they know this guest's whole identifier: they may serve the guest at the till."""
    if access is not None and access.restaurant_ids is not None:
        caches["default"].set(_reach_key(access, guest_id), 1, TILL_REACH_SECONDS)


def _reached_at_till(access: ChainAccess, guest_id: int) -> bool:
    return access.restaurant_ids is None or caches["default"].get(_reach_key(access, guest_id)) is not None


# Trying phone numbers one by one (exact lookups that miss, whole-number searches by a viewer who sees masks) could
# recover a masked phone: "+7 916 ***-**-67" leaves 100,000 candidates. Each staff member may try this many per
# window; past it every phone lookup and phone search is refused (429), hits too, so a refusal tells nothing.
PHONE_PROBES_ALLOWED = 60
PHONE_PROBE_WINDOW_SECONDS = 600


def _probe_key(access: ChainAccess) -> str:
    return f"guests:phone-probes:{access.user.pk}"


def require_phone_probes_left(access: ChainAccess | None) -> None:
    if access is not None and int(caches["default"].get(_probe_key(access)) or 0) >= PHONE_PROBES_ALLOWED:
        raise TooManyPhoneProbes()


def count_phone_probe(access: ChainAccess | None) -> None:
    if access is None:
        return
    key = _probe_key(access)
    caches["default"].add(key, 0, PHONE_PROBE_WINDOW_SECONDS)
    try:
        caches["default"].incr(key)
    except ValueError:  # expired between add and incr: a new window
        caches["default"].set(key, 1, PHONE_PROBE_WINDOW_SECONDS)


def _probes_a_phone(query: str) -> bool:
    return looks_like_phone(query.strip())


GuestReach = Literal["till", "restaurants"]


def access_guest(*, access: ChainAccess | None, guest_id: int, reach: GuestReach = "till") -> Guest:
    """The guest with this id as this staff member may reach them; GuestNotFound (404) otherwise, the same for
    "missing" and "not yours".

    reach="restaurants": only their restaurants' guests (detail by id, history, edits, export).
    reach="till" (the default, for the till and the points operations): their restaurants' guests, and the guests
    they found by exact lookup at the till in the last TILL_REACH_SECONDS.
    """
    guests = with_loyalty(visible_guests(access)).filter(pk=guest_id)
    guest = guests.first()
    if guest is None and reach == "till" and access is not None and _reached_at_till(access, guest_id):
        guest = with_loyalty(chain_guests()).filter(pk=guest_id).first()
    if guest is None:
        merged_into = Guest.objects.filter(pk=guest_id, status=GuestStatus.MERGED).values_list(
            "merged_into_id", flat=True
        )
        survivor_id = merged_into.first()
        if survivor_id is not None and survivor_id != guest_id:
            # Only to those who may see the survivor: a merged id tells nothing about guests out of reach.
            access_guest(access=access, guest_id=survivor_id, reach=reach)
            raise GuestMerged(guest_id=guest_id, merged_into=survivor_id)
        raise GuestNotFound(guest_id=guest_id)
    return guest


def sees_contacts(access: ChainAccess | None) -> bool:
    """Whether a search may match parts of contacts: staff by the contact rule; the system (None) always."""
    return contact_view(access).sees_contacts if access is not None else True


def _count_phone_probe_of(access: ChainAccess | None, query: str, *, whole_only: bool) -> None:
    if whole_only and _probes_a_phone(query):
        require_phone_probes_left(access)
        count_phone_probe(access)


def search_guests(*, access: ChainAccess | None, query: str) -> QuerySet[Guest]:
    """Their restaurants' guests matching a search box query, best first (guests.search: names with typos and in
    either alphabet, a phone by any suffix of 4+ digits, email, card, note; viewers who see masks find contacts
    only whole). The till, the quick search and the guest list's `q` all search through guests.search.
    Without the loyalty figures (the list's with_loyalty): the doors that use this show names and contacts, and the
    till reads a chosen guest's balance itself."""
    whole_only = not sees_contacts(access)
    _count_phone_probe_of(access, query, whole_only=whole_only)
    return matching_guests(visible_guests(access), query, whole_identifiers_only=whole_only)


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
    finds the guest chain-wide: a guest of one restaurant shows their card at another and still earns there; the
    staff member who found them may then serve them by id at the till (remember_till_reach)."""
    kind, value = exact_identifier(phone=phone, card=card, qr=qr)
    if kind == "phone":
        require_phone_probes_left(access)
    guest = next(iter(Guest.objects.raw(_EXACT_LOOKUP_SQL[kind], [value, GuestStatus.ERASED])), None)
    if guest is None:
        if kind == "phone":
            count_phone_probe(access)
        raise GuestNotFound(**{key: given for key, given in (("phone", phone), ("card", card)) if given})  # type: ignore[arg-type]  # details only
    if guest.status == GuestStatus.MERGED:
        guest = _survivor_of(guest)
    remember_till_reach(access=access, guest_id=guest.pk)
    return guest


MOST_MERGE_HOPS = 10  # a profile merged into one later merged again: followed this far


def _survivor_of(guest: Guest) -> Guest:
    """The live profile a merged one was merged into (guests.merge): the merged profile's identifiers that the
    survivor could not take (it had its own phone, card, QR) still find the guest."""
    for _hop in range(MOST_MERGE_HOPS):
        if guest.status != GuestStatus.MERGED or guest.merged_into_id is None:
            break
        guest = Guest.objects.get(pk=guest.merged_into_id)
    if guest.status in (GuestStatus.MERGED, GuestStatus.ERASED):
        raise GuestNotFound(guest_id=guest.pk)
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
        guests = fast_load(Guest.objects.exclude(status=GuestStatus.ERASED).filter(**{f"{column}__in": list(by_value)}))
        if fields:
            guests = guests.only(*fields, "status", "merged_into_id", *_EXACT_COLUMNS.values())
        for guest in guests:
            # A merged profile's identifier finds its survivor (rare: one more query only then).
            live = _survivor_of(guest) if guest.status == GuestStatus.MERGED else guest
            for asked in by_value.get(getattr(guest, column), ()):
                found[asked] = live
    return found


def guest_list(*, access: ChainAccess | None, params: Mapping[str, Any] | None = None) -> QuerySet[Guest]:
    """Visible guests narrowed by the list's filters (search, status, tag, level, last visit, birthday month).
    Ordered by the `ordering` asked for, else best match first when searching (`q`, as search_guests), else newest
    first (created_at, id: the keyset of guests.pagination)."""
    whole_only = not sees_contacts(access)
    _count_phone_probe_of(access, str((params or {}).get("q") or ""), whole_only=whole_only)
    filterset = GuestFilter(params or {}, queryset=visible_guests(access), whole_identifiers_only=whole_only)
    if not filterset.is_valid():
        raise ValidationFailed(
            fields={key: [str(message) for message in value] for key, value in filterset.errors.items()}
        )
    return with_loyalty(filterset.qs)


def lists_newest_first(params: Mapping[str, Any] | None) -> bool:
    """Whether guest_list orders these params' guests newest first (created_at, id): no search and no ordering
    asked for. Such a list pages by keyset (maxloyalty.keyset): deep pages stay an index range at 1M guests."""
    return not str((params or {}).get("q") or "").strip() and not (params or {}).get("ordering")


# Counting every guest of a large chain is a scan of the table (about 3 s at 1M guests, bench/page_budget.py): the
# guest list page and the guest API count up to this many and say "more than" beyond it. A search's matches are
# each read from the table to be counted (an index walk cannot count them): they are counted up to the smaller cap.
GUEST_COUNT_CAP = 10_000
SEARCH_COUNT_CAP = 1_000


def count_guests(guests: QuerySet[Guest]) -> CappedCount:
    """How many guests a guest_list holds, counted up to GUEST_COUNT_CAP (a search's up to SEARCH_COUNT_CAP), and
    whether there are more."""
    if "search_rank" not in guests.query.annotations:
        return capped_count(guests, GUEST_COUNT_CAP)
    with bitmap_scans_only(guests.db):  # the matches read from the indexes, not looked for along the table
        return capped_count(guests, SEARCH_COUNT_CAP)


def guest_visits(*, guest: Guest) -> QuerySet[Visit]:
    return guest.visits.select_related("restaurant").order_by("-visited_at", "-id")


def access_guest_export(*, access: ChainAccess, export_id: int) -> GuestExport:
    """An export of the staff member who asked for it, and only theirs: its filters, restaurant scope and contact
    masking were their own, so the file is not another's to read (another's or another chain's: not found)."""
    export = GuestExport.objects.filter(pk=export_id, created_by=access.user).first()
    if export is None:
        raise NotFound(export_id=export_id)
    return export


def access_import_job(*, access: ChainAccess | None, job_id: int) -> ImportJob:
    """An import job; staff limited to restaurants see only the jobs they started themselves."""
    jobs = ImportJob.objects.all()
    if access is not None and access.restaurant_ids is not None:
        jobs = jobs.filter(created_by=access.user)
    job = jobs.filter(pk=job_id).first()
    if job is None:
        raise NotFound(job_id=job_id)
    return job


# The layout asks on every page whether sample data is on (its banner): the answer is kept in the shared cache (the
# key is per chain: django-tenants' key function) so a page costs no query for it; turning samples on or off
# forgets it (sample_guests_changed).
SAMPLE_STATE_KEY = "guests:has-sample-guests"
SAMPLE_STATE_SECONDS = 600


def has_sample_guests() -> bool:
    """Whether the chain's sample data is on (tenants/sample_data.py): any sample guest (a partial index of them)."""
    cache = caches["default"]
    known = cache.get(SAMPLE_STATE_KEY)
    if known is None:
        known = Guest.objects.filter(is_sample=True).exists()
        cache.set(SAMPLE_STATE_KEY, known, SAMPLE_STATE_SECONDS)
    return bool(known)


def sample_guests_changed() -> None:
    """Forget the cached answer of has_sample_guests: now, and again when the transaction that changed them commits
    (a page read in between cannot keep the old answer)."""
    caches["default"].delete(SAMPLE_STATE_KEY)
    transaction.on_commit(lambda: caches["default"].delete(SAMPLE_STATE_KEY))
