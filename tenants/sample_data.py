"""The sample-data switch of a new chain (issue #28): sample guests, visits and checks so that an owner can explore
the dashboard and analytics before real checks arrive, and their complete removal in one click.

1. Written through the production paths, as the demo chain is (tenants/demo.py, loyalty/demo.py): guests by
   guests.services.create_guest (welcome bonus included), checks by loyalty.services.apply_check; then dated back
   over the last SAMPLE_DAYS days, as the demo does, and the roll-ups of those days recomputed.
2. Marked: a sample guest carries Guest.is_sample, and everything a sample guest owns (visits, applied checks,
   ledger entries, points account, level changes) is sample data by that. Pages show a "sample" badge on such
   guests and a banner while any exists; billing's guest count leaves them out (billing.limits.count_usage).
3. Refused for a chain that already has real checks (an applied check of a guest who is not a sample): samples
   are for exploring an empty chain, and mixed into real figures they would make them wrong for as long as they
   stay. Turning them on twice is refused too.
4. Removal is the one deliberate exception to the append-only ledger, and touches only sample guests' rows: their
   promo code uses, referrals, notifications, level changes, guest-month roll-ups, ledger entries, applied checks,
   visits, points accounts, then the guests. A balance is the sum of its account's entries and an account belongs
   to one guest, so deleting a sample guest with its account and all its entries leaves every other balance and
   its entries as they were. The daily roll-ups of the days the samples touched are then recomputed from the raw
   tables, which no longer hold them.
5. Both actions are audited (sample_data.created, sample_data.removed) with what they wrote or removed.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from accounts.actors import Actor
from analytics.models import GuestMonthActivity
from analytics.periods import chain_time_zone
from analytics.rollups import recompute_days
from audit.services import record_audit
from guests.errors import DuplicateGuest
from guests.models import Guest, GuestSource, Visit
from guests.selectors import sample_guests_changed
from guests.services import create_guest
from loyalty import rules
from loyalty.models import (
    AppliedCheck,
    EntryKind,
    LedgerEntry,
    LevelChange,
    NotificationOutbox,
    PointsAccount,
    PromoCodeUse,
    Referral,
)
from loyalty.selectors import ProgramContext, program_context
from loyalty.services import apply_check
from loyalty.services.ledger import expiry_for
from restaurants.models import Restaurant
from tenants.errors import SampleDataAlreadyOn, SampleDataRefused

SAMPLE_GUESTS = 30
SAMPLE_DAYS = 60
SAMPLE_KEY_PREFIX = "sample:"
# Phones of sample guests: +7 900 000-NN-NN, skipped when a real guest already has one.
SAMPLE_PHONE_PREFIX = "+7900000"
FIRST_NAMES = ["Анна", "Иван", "Мария", "Дмитрий", "Елена", "Сергей", "Ольга", "Алексей", "Наталья", "Павел"]
LAST_NAMES = ["Образцов", "Примеров", "Пробный"]
MENU = [
    ("food", "Паста карбонара", Decimal(690)),
    ("food", "Борщ", Decimal(420)),
    ("desserts", "Медовик", Decimal(390)),
    ("drinks", "Лимонад", Decimal(290)),
]


@dataclass(frozen=True)
class SampleCounts:
    guests: int
    checks: int
    ledger_entries: int


def _chain_has_real_checks() -> bool:
    return AppliedCheck.objects.filter(guest__is_sample=False).exists()


@transaction.atomic
def turn_sample_data_on(*, actor: Actor, guests: int = SAMPLE_GUESTS) -> SampleCounts:
    """Create the sample guests with their history; SampleDataRefused (409) when the chain has real checks,
    SampleDataAlreadyOn (409) when samples are on already."""
    if Guest.objects.filter(is_sample=True).exists():  # the database's answer, not the layout's cached one
        raise SampleDataAlreadyOn()
    if _chain_has_real_checks():
        raise SampleDataRefused()
    sample_guests_changed()
    restaurants: list[Restaurant | None] = list(Restaurant.objects.order_by("id")) or [None]
    rng = random.Random(20261207)  # noqa: S311  (sample data: repeatable, not secret)
    context = program_context()
    now = timezone.now()
    created: list[Guest] = []
    checks = 0
    number = 0
    while len(created) < guests and number < 10_000:
        first_name = FIRST_NAMES[number % len(FIRST_NAMES)]
        female = first_name in {"Анна", "Мария", "Елена", "Ольга", "Наталья"}
        restaurant = restaurants[number % len(restaurants)]
        try:
            with transaction.atomic():  # a phone a real guest holds: skip that number, keep the rest
                guest = create_guest(
                    access=None,
                    actor=actor,
                    phone=f"{SAMPLE_PHONE_PREFIX}{number:04d}",
                    first_name=first_name,
                    last_name=rng.choice(LAST_NAMES) + ("а" if female else ""),
                    gender="female" if female else "male",
                    home_restaurant_id=restaurant.pk if restaurant is not None else None,
                    source=GuestSource.IMPORT,
                    is_sample=True,
                )
        except DuplicateGuest:
            number += 1
            continue
        checks += _history(guest, number, restaurants, rng, context, now)
        created.append(guest)
        number += 1
    entries = LedgerEntry.objects.filter(guest__is_sample=True).count()
    _recompute_rollups(now - datetime.timedelta(days=SAMPLE_DAYS + 1))
    counts = SampleCounts(guests=len(created), checks=checks, ledger_entries=entries)
    record_audit(
        action="sample_data.created",
        actor=actor,
        data={"guests": counts.guests, "checks": counts.checks, "ledger_entries": counts.ledger_entries},
    )
    return counts


def _history(
    guest: Guest,
    number: int,
    restaurants: list[Restaurant | None],
    rng: random.Random,
    context: ProgramContext,
    now: datetime.datetime,
) -> int:
    """A few checks of the guest over the last SAMPLE_DAYS days (some paying with points), dated as they happened."""
    visits = rng.choice([1, 1, 2, 2, 3, 4, 6])
    moments = sorted(now - datetime.timedelta(days=rng.uniform(0.5, SAMPLE_DAYS)) for _ in range(visits))
    joined = moments[0] - datetime.timedelta(minutes=rng.uniform(5, 120))
    Guest.objects.filter(pk=guest.pk).update(created_at=joined)
    LedgerEntry.objects.filter(guest=guest, kind=EntryKind.WELCOME).update(
        created_at=joined, available_at=joined, expires_at=expiry_for(joined, context)
    )
    available = PointsAccount.objects.filter(guest=guest).values_list("available", flat=True).first() or 0
    backdated: list[LedgerEntry] = []
    for index, at in enumerate(moments):
        lines = tuple(
            rules.CheckLine(str(item), name, category, Decimal(rng.choice([1, 2])), price)
            for item, (category, name, price) in enumerate(rng.sample(MENU, rng.randrange(1, 4)))
        )
        total = sum((line.net_amount for line in lines), Decimal(0))
        spend = min(available, int(total / 4)) if available >= 100 and rng.random() < 0.3 else 0
        outcome = apply_check(
            guest=guest,
            check=rules.Check(total_amount=total, lines=lines, points_to_spend=spend, at=at),
            restaurant=restaurants[(number + index) % len(restaurants)],
            idempotency_key=f"{SAMPLE_KEY_PREFIX}{guest.pk}:{index}",
            receipt_id=None,
        )
        available += outcome.earned - outcome.spent
        for entry in outcome.entries:  # the ledger says when it happened (amounts untouched)
            entry.created_at = entry.available_at = at
            entry.expires_at = expiry_for(at, context) if entry.points > 0 else None
            backdated.append(entry)
    LedgerEntry.objects.bulk_update(backdated, ["created_at", "available_at", "expires_at"])
    return len(moments)


def _recompute_rollups(since: datetime.datetime) -> None:
    zone = chain_time_zone()
    recompute_days(since.astimezone(zone).date(), timezone.now().astimezone(zone).date(), zone)


# Rows a sample guest owns, deleted child first. Each statement names only sample guests' rows.
_OWNED_BY_GUEST = [
    (PromoCodeUse._meta.db_table, "guest_id"),
    (Referral._meta.db_table, "guest_id"),
    (Referral._meta.db_table, "referrer_id"),
    (NotificationOutbox._meta.db_table, "guest_id"),
    (LevelChange._meta.db_table, "guest_id"),
    (GuestMonthActivity._meta.db_table, "guest_id"),
    (LedgerEntry._meta.db_table, "guest_id"),
    (AppliedCheck._meta.db_table, "guest_id"),
    (Visit._meta.db_table, "guest_id"),
    (PointsAccount._meta.db_table, "guest_id"),
]


@transaction.atomic
def remove_sample_data(*, actor: Actor) -> SampleCounts:
    """Delete every sample guest and all they own (ledger entries included), recompute the roll-ups of the days they
    touched and audit it; returns what was removed (zeros when samples were off: nothing to do, nothing audited)."""
    ids = list(Guest.objects.select_for_update().filter(is_sample=True).values_list("id", flat=True))
    sample_guests_changed()  # even with none left (a stale cached "on"), the banner goes
    if not ids:
        return SampleCounts(guests=0, checks=0, ledger_entries=0)
    oldest = min(
        at
        for at in (
            Guest.objects.filter(id__in=ids).order_by("created_at").values_list("created_at", flat=True).first(),
            Visit.objects.filter(guest_id__in=ids).order_by("visited_at").values_list("visited_at", flat=True).first(),
            LedgerEntry.objects.filter(guest_id__in=ids)
            .order_by("created_at")
            .values_list("created_at", flat=True)
            .first(),
        )
        if at is not None
    )
    removed: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table, column in _OWNED_BY_GUEST:
            cursor.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s)", [ids])  # noqa: S608  (our own table names)
            removed[table] = removed.get(table, 0) + cursor.rowcount
    Guest.objects.filter(id__in=ids, is_sample=True).delete()  # telegram deliveries follow; chats, receipts unlink
    _recompute_rollups(oldest)
    counts = SampleCounts(
        guests=len(ids),
        checks=removed[AppliedCheck._meta.db_table],
        ledger_entries=removed[LedgerEntry._meta.db_table],
    )
    record_audit(
        action="sample_data.removed",
        actor=actor,
        data={"guests": counts.guests, "checks": counts.checks, "ledger_entries": counts.ledger_entries},
    )
    return counts
