"""Demo loyalty data for the demo chain (called by tenants.demo.seed_demo): a configured program, three levels,
a promo, ~300 guests with half a year of visits and points history, all written through the real services.

Idempotent: levels and the promo are found by name, guests by phone, checks by their idempotency keys; a guest
whose demo history exists is skipped, so a second run adds nothing.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from guests.models import Guest, GuestSource, GuestStatus
from guests.services import create_guest
from loyalty import rules
from loyalty.models import AppliedCheck, EntryKind, LedgerEntry, Level, PointsAccount, Promo
from loyalty.selectors import program_context
from loyalty.services import adjust_points, apply_check, create_level, create_promo, update_program_settings
from loyalty.services.ledger import expiry_for

if TYPE_CHECKING:
    from accounts.models import User
    from restaurants.models import Restaurant

DEMO_GUESTS = 300
DEMO_KEY_PREFIX = "demo:"
FIRST_NAMES = ["Анна", "Иван", "Мария", "Дмитрий", "Елена", "Сергей", "Ольга", "Алексей", "Наталья", "Павел",
               "Татьяна", "Михаил", "Юлия", "Андрей", "Ирина", "Никита", "Светлана", "Артём", "Ксения", "Егор"]  # fmt: skip
LAST_NAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
              "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров"]  # fmt: skip
FEMALE_NAMES = {"Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Юлия", "Ирина", "Светлана", "Ксения"}
MENU = [
    ("food", "Стейк рибай", Decimal(1900)),
    ("food", "Паста карбонара", Decimal(690)),
    ("food", "Борщ", Decimal(420)),
    ("desserts", "Медовик", Decimal(390)),
    ("drinks", "Лимонад", Decimal(290)),
    ("alcohol", "Бокал вина", Decimal(550)),
]
LEVELS = [
    ("Бронза", Decimal(0), Decimal(5), None, "#cd7f32", "Базовый уровень"),
    ("Серебро", Decimal(30000), Decimal(7), None, "#c0c0c0", "От 30 000 ₽ покупок"),
    ("Золото", Decimal(100000), Decimal(10), Decimal(70), "#ffd700", "От 100 000 ₽ покупок"),
]


def seed_demo_loyalty(
    *, restaurants: Sequence[Restaurant], admin: User | None = None, guests: int | None = None
) -> int:
    """Configure the program and give the demo chain its guests and history (settings.DEMO_GUESTS guests, 300 by
    default). Returns how many guests were given new history."""
    guests = guests if guests is not None else getattr(settings, "DEMO_GUESTS", DEMO_GUESTS)
    with transaction.atomic():
        update_program_settings(
            actor=None,
            changes={
                "welcome_bonus_points": 200,
                "birthday_bonus_points": 500,
                "birthday_window_days_before": 3,
                "birthday_window_days_after": 3,
                "excluded_categories": ["alcohol"],
                "expiry_days": 365,
                "expiry_warning_days": 14,
                "min_redeem_points": 100,
                "max_redeem_share_percent": Decimal(50),
                "undo_window_minutes": 15,
            },
        )
        for name, threshold, rate, cap, colour, description in LEVELS:
            if not Level.objects.filter(name=name).exists():
                create_level(
                    actor=None,
                    name=name,
                    threshold_amount=threshold,
                    earn_rate_percent=rate,
                    redemption_cap_percent=cap,
                    colour=colour,
                    description=description,
                )
        if not Promo.objects.filter(name="Счастливые часы").exists():
            create_promo(
                actor=None,
                name="Счастливые часы",
                description="Двойные баллы по будням с 15 до 18",
                weekdays=[1, 2, 3, 4, 5],
                starts_at_time=datetime.time(15),
                ends_at_time=datetime.time(18),
                multiplier=Decimal(2),
                combination="best_of",
            )
    rng = random.Random(20240601)  # noqa: S311  (demo data: repeatable, not secret)
    done = set(
        AppliedCheck.objects.filter(idempotency_key__startswith=DEMO_KEY_PREFIX).values_list("guest_id", flat=True)
    )
    # Guests already in the chain (e.g. from the guests' own demo data) come first; the rest are created.
    demo_guests = list(Guest.objects.exclude(status=GuestStatus.ERASED).order_by("id")[:guests])
    given = 0
    with transaction.atomic():  # one commit for the lot: seeding speed
        for number in range(guests):
            first_name = FIRST_NAMES[number % len(FIRST_NAMES)]
            birthday = datetime.date(1970 + rng.randrange(35), 1 + rng.randrange(12), 1 + rng.randrange(28))
            profile = (first_name, rng.choice(LAST_NAMES), birthday, rng.random())
            guest = demo_guests[number] if number < len(demo_guests) else _demo_guest(number, profile, restaurants)
            if guest.pk in done:
                continue
            rng_of_guest = random.Random(number)  # noqa: S311
            given += _history(guest, number, restaurants=restaurants, admin=admin, rng=rng_of_guest) > 0
    return given


def _demo_guest(
    number: int, profile: tuple[str, str, datetime.date, float], restaurants: Sequence[Restaurant]
) -> Guest:
    first_name, last_name, birthday, chance = profile
    phone = f"+7916700{number:04d}"
    existing = Guest.objects.filter(phone=phone).first()
    if existing is not None:
        return existing
    female = first_name in FEMALE_NAMES
    return create_guest(
        access=None,
        phone=phone,
        first_name=first_name,
        last_name=last_name + ("а" if female else ""),
        email=f"guest{number}@demo.test" if chance < 0.6 else "",
        birthday=birthday,
        gender="female" if female else "male",
        tags=["vip"] if chance > 0.93 else (["student"] if chance < 0.1 else []),
        home_restaurant_id=restaurants[number % len(restaurants)].pk,
        source=GuestSource.IMPORT if number % 3 else GuestSource.CASHIER,
        consents={"sms": chance < 0.7, "email": chance < 0.5, "telegram": chance < 0.3},
    )


def _history(
    guest: Guest, number: int, *, restaurants: Sequence[Restaurant], admin: User | None, rng: random.Random
) -> int:
    """Checks over the last 180 days (some paid partly with points), then dated as they happened.
    Returns how many checks were new (0 when the guest's demo history exists)."""
    context = program_context()
    now = timezone.now()
    visits = rng.choice([0, 1, 1, 2, 2, 3, 3, 4, 5, 8])
    moments = sorted(now - datetime.timedelta(days=rng.uniform(1, 180)) for _ in range(visits))
    available = PointsAccount.objects.filter(guest=guest).values_list("available", flat=True).first() or 0
    backdated: list[LedgerEntry] = []
    new_checks = 0
    for index, at in enumerate(moments):
        lines = tuple(
            rules.CheckLine(str(item), name, category, Decimal(rng.choice([1, 1, 2])), price)
            for item, (category, name, price) in enumerate(rng.sample(MENU, rng.randrange(1, 5)))
        )
        total = sum((line.net_amount for line in lines), Decimal(0)) * rng.choice([1, 1, 2, 3])
        spend = min(available, int(total / 3)) if available >= 300 and rng.random() < 0.35 else 0
        key = f"{DEMO_KEY_PREFIX}{guest.pk}:{index}"
        outcome = apply_check(
            guest=guest,
            check=rules.Check(total_amount=total, lines=lines, points_to_spend=spend, at=at),
            restaurant=restaurants[(number + index) % len(restaurants)],
            idempotency_key=key,
            receipt_id=None,
        )
        if outcome.is_replay:
            continue
        new_checks += 1
        available += outcome.earned - outcome.spent
        for entry in outcome.entries:  # the ledger says when it happened (seeding only; amounts are untouched)
            entry.created_at = entry.available_at = at
            entry.expires_at = expiry_for(at, context) if entry.points > 0 else None
            backdated.append(entry)
    LedgerEntry.objects.bulk_update(backdated, ["created_at", "available_at", "expires_at"])
    if admin is not None and number % 25 == 7:
        adjust_points(
            guest=guest,
            points=150,
            reason="Компенсация: долгое ожидание заказа",
            actor=admin,
            idempotency_key=f"{DEMO_KEY_PREFIX}{guest.pk}:adjust",
        )
    # The guest joined shortly before their first visit (or, without visits, some day in the last two months), and
    # the welcome bonus came with it: the dashboard then shows the demo guests spread over half a year, not as
    # 300 new guests today.
    joined = (
        moments[0] - datetime.timedelta(minutes=rng.uniform(5, 120))
        if moments
        else now - datetime.timedelta(days=rng.uniform(1, 60))
    )
    Guest.objects.filter(pk=guest.pk, created_at__gt=joined).update(created_at=joined)
    LedgerEntry.objects.filter(guest=guest, kind=EntryKind.WELCOME, created_at__gt=joined).update(
        created_at=joined, available_at=joined, expires_at=expiry_for(joined, context)
    )
    return new_checks
