"""The demo chain for development: restaurants, one user per role, and (with the loyalty core) guests.

Idempotent: running it again creates nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_tenants.utils import schema_context

from accounts.models import Membership, Role, User
from accounts.services import grant_membership
from analytics.rollups import rebuild_if_missing
from loyalty.demo import seed_demo_loyalty
from maxloyalty.db.partitions import maintain_partitions
from restaurants.models import Restaurant
from tenants.errors import DemoDataNotAllowed
from tenants.models import Chain, ChainStatus
from tenants.services import create_chain

DEMO_SLUG = "demo"
DEMO_PASSWORD = "demo-pass-123"  # noqa: S105  development only: refused when settings.DEMO_DATA_ALLOWED is off
DEMO_RESTAURANTS = [
    ("Demo Тверская", "Москва, Тверская ул., 7", "+74951234567"),
    ("Demo Арбат", "Москва, ул. Арбат, 24", "+74951234568"),
    ("Demo Невский", "Санкт-Петербург, Невский пр., 28", "+78121234567"),
]
DEMO_STAFF = [
    ("owner@demo.test", "Ольга Владелец", Role.OWNER, 0),
    ("admin@demo.test", "Алексей Админ", Role.ADMIN, 0),
    ("manager@demo.test", "Мария Менеджер", Role.MANAGER, 2),
    ("cashier@demo.test", "Кирилл Кассир", Role.CASHIER, 1),
]
PLATFORM_STAFF_EMAIL = "staff@maxloyalty.test"


@dataclass(frozen=True)
class DemoLogins:
    chain: Chain
    emails: list[tuple[str, str]]
    platform_staff_email: str


def seed_demo() -> DemoLogins:
    if not getattr(settings, "DEMO_DATA_ALLOWED", False):
        raise DemoDataNotAllowed("Demo data (with its well-known password) is created only in development.")
    chain = Chain.objects.filter(slug=DEMO_SLUG).first()
    if chain is None:
        chain, _owner = create_chain(
            name="Demo",
            slug=DEMO_SLUG,
            owner_email=DEMO_STAFF[0][0],
            owner_password=DEMO_PASSWORD,
            owner_name=DEMO_STAFF[0][1],
            status=ChainStatus.ACTIVE,
        )
    with schema_context(chain.schema_name), transaction.atomic():
        restaurants = [
            Restaurant.objects.get_or_create(name=name, defaults={"address": address, "phone": phone})[0]
            for name, address, phone in DEMO_RESTAURANTS
        ]
        for email, full_name, role, restaurant_count in DEMO_STAFF:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name)
            if not Membership.objects.filter(user=user, chain=chain).exists():
                grant_membership(user=user, chain_id=chain.id, role=role, restaurants=restaurants[:restaurant_count])
    with schema_context(chain.schema_name):
        # Program, levels, a promo and ~300 guests with visits and points history, through the loyalty services.
        seed_demo_loyalty(restaurants=restaurants, admin=User.objects.filter(email=DEMO_STAFF[1][0]).first())
        # Half a year of history was loaded at once: its months get partitions of their own (the rows wait in the
        # default partitions until then), and the analytics roll-ups are built now, not in the first page view.
        maintain_partitions()
        rebuild_if_missing()
    if not User.objects.filter(email=PLATFORM_STAFF_EMAIL).exists():
        User.objects.create_superuser(PLATFORM_STAFF_EMAIL, DEMO_PASSWORD, full_name="Platform staff")
    return DemoLogins(
        chain=chain,
        emails=[(email, str(role.label)) for email, _name, role, _count in DEMO_STAFF],
        platform_staff_email=PLATFORM_STAFF_EMAIL,
    )
