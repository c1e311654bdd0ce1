"""The layout's quick search: one box on every staff page finding guests, checks by their POS id, staff and
restaurants, each result a link. Every kind is read through its app's own selector, so the role rules are theirs:
guests through guests.selectors.search_guests (their restaurants' guests, masked contacts found only whole),
checks and restaurants of the staff member's restaurants for roles that see the figures, staff for those who
manage it. A cashier finds guests only, and opens them at the till."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.access import ChainAccess
from accounts.roles import Permission
from accounts.selectors import staff_matching
from guests.masking import contact_view
from guests.selectors import search_guests
from pos.selectors import receipts_by_external_id
from restaurants.selectors import restaurants_matching

RESULTS_PER_KIND = 5
SHORTEST_QUERY = 2


@dataclass(frozen=True)
class QuickResult:
    label: str
    detail: str
    url: str


@dataclass
class QuickSection:
    kind: str
    title: str
    results: list[QuickResult] = field(default_factory=list)


def _guest_results(access: ChainAccess, query: str) -> list[QuickResult]:
    if not access.can(Permission.VIEW_GUESTS):
        return []
    contacts = contact_view(access)
    page = "guests:guest-detail" if access.can(Permission.BROWSE_GUESTS) else "pos:cashier-guest"
    if not access.can(Permission.BROWSE_GUESTS) and not access.can(Permission.USE_CASHIER_PAGE):
        return []
    return [
        QuickResult(
            label=guest.full_name or str(_("Guest without a name")),
            detail=" · ".join(part for part in (contacts.phone(guest.phone), guest.card_number or "") if part),
            url=reverse(page, args=[guest.pk]),
        )
        for guest in search_guests(access=access, query=query)[:RESULTS_PER_KIND]
    ]


def _receipt_results(access: ChainAccess, query: str) -> list[QuickResult]:
    if not access.can(Permission.VIEW_DASHBOARD) or " " in query.strip():
        return []
    results = []
    for receipt in receipts_by_external_id(access=access, external_id=query, limit=RESULTS_PER_KIND):
        if access.can(Permission.MANAGE_POS, restaurant_id=receipt.restaurant_id):
            url = reverse("restaurants:connection-detail", args=[receipt.restaurant_id, receipt.connection_id])
        else:
            url = reverse("restaurants:detail", args=[receipt.restaurant_id])
        detail = f"{receipt.total_amount} {receipt.currency} · {receipt.get_status_display()} · {receipt.restaurant}"
        results.append(
            QuickResult(label=f"{receipt.external_id} ({receipt.get_operation_display()})", detail=detail, url=url)
        )
    return results


def _staff_results(access: ChainAccess, query: str) -> list[QuickResult]:
    if not access.can(Permission.MANAGE_STAFF):
        return []
    return [
        QuickResult(
            label=membership.user.full_name or membership.user.email,
            detail=f"{membership.user.email} · {membership.get_role_display()}",
            url=reverse("staff:edit", args=[membership.pk]),
        )
        for membership in staff_matching(chain_id=access.membership.chain_id, query=query, limit=RESULTS_PER_KIND)
    ]


def _restaurant_results(access: ChainAccess, query: str) -> list[QuickResult]:
    if not access.can(Permission.VIEW_DASHBOARD):
        return []
    return [
        QuickResult(
            label=restaurant.name, detail=restaurant.address, url=reverse("restaurants:detail", args=[restaurant.pk])
        )
        for restaurant in restaurants_matching(access=access, query=query, limit=RESULTS_PER_KIND)
    ]


def quick_search(*, access: ChainAccess, query: str) -> list[QuickSection]:
    """The sections with results for this staff member and query, in a fixed order (guests first)."""
    text = query.strip()
    if len(text) < SHORTEST_QUERY:
        return []
    sections = [
        QuickSection("guests", str(_("Guests")), _guest_results(access, text)),
        QuickSection("receipts", str(_("Checks")), _receipt_results(access, text)),
        QuickSection("staff", str(_("Staff")), _staff_results(access, text)),
        QuickSection("restaurants", str(_("Restaurants")), _restaurant_results(access, text)),
    ]
    return [section for section in sections if section.results]
