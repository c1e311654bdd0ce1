"""The cashier page (the till): which restaurant the cashier works at, finding a guest from whatever was typed
or scanned, this shift's operations, who may undo which one, and the first-shift tip (shown until dismissed).

Operations made at the till carry idempotency keys `till:<restaurant>:<user>:<token>`; the token is issued with
the form, so a double click or a resubmitted form applies the check once. Whose operation a check is comes from
its actor (AppliedCheck.actor), and who may undo it from loyalty.rights.may_reverse, the API's rule too.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.access import ChainAccess
from accounts.roles import Permission
from guests.errors import GuestNotFound, MalformedPhone
from guests.models import Guest
from guests.phones import digits_of, looks_like_phone
from guests.selectors import lookup_guest, search_guests
from loyalty.models import AppliedCheck, LedgerEntry
from loyalty.rights import may_reverse
from loyalty.services import reverse_check
from pos.errors import OperationNotFound, UndoWindowClosed
from pos.models import TillTipDismissal
from restaurants.models import Restaurant, RestaurantStatus

SESSION_RESTAURANT = "till_restaurant_id"
SHIFT_HOURS = 14  # "this shift": operations of the last 14 hours at this till


def till_restaurants(access: ChainAccess) -> QuerySet[Restaurant]:
    return access.limit_to_restaurants(Restaurant.objects.exclude(status=RestaurantStatus.CLOSED), field="id")


def current_restaurant(request: HttpRequest, access: ChainAccess) -> Restaurant | None:
    """The restaurant chosen for this session, or the only one the person works at."""
    restaurants = till_restaurants(access)
    chosen = request.session.get(SESSION_RESTAURANT)
    if chosen is not None and (restaurant := restaurants.filter(pk=chosen).first()) is not None:
        return restaurant
    only = list(restaurants[:2])
    return only[0] if len(only) == 1 else None


def new_operation_key(*, restaurant: Restaurant, access: ChainAccess) -> str:
    return f"till:{restaurant.pk}:{access.user.pk}:{secrets.token_urlsafe(12)}"


def is_till_key_of(key: str, *, restaurant: Restaurant, access: ChainAccess) -> bool:
    return key.startswith(f"till:{restaurant.pk}:{access.user.pk}:") and len(key) < 120


@dataclass(frozen=True)
class TillSearch:
    guest: Guest | None
    matches: list[Guest]
    phone_to_register: str  # when nothing was found and the text looks like a phone


def find_at_till(*, access: ChainAccess, text: str) -> TillSearch:
    """Exact first (QR token, card number, phone in any spelling), then a search (last 4 digits, a name)."""
    text = text.strip()
    if not text:
        return TillSearch(guest=None, matches=[], phone_to_register="")
    digits = digits_of(text)
    attempts: list[dict[str, str]] = [{"qr": text}]
    if digits and digits == text.replace(" ", ""):
        attempts.append({"card": digits})
    if looks_like_phone(text):
        attempts.append({"phone": text})
    for attempt in attempts:
        try:
            return TillSearch(guest=lookup_guest(access=access, **attempt), matches=[], phone_to_register="")
        except (GuestNotFound, MalformedPhone):
            continue
    matches = list(search_guests(access=access, query=text)[:10])
    if len(matches) == 1:
        return TillSearch(guest=matches[0], matches=[], phone_to_register="")
    return TillSearch(guest=None, matches=matches, phone_to_register=text if looks_like_phone(text) else "")


def shift_operations(
    *, access: ChainAccess, restaurant: Restaurant, now: datetime.datetime | None = None
) -> list[AppliedCheck]:
    """Staff-made checks at this restaurant in the current shift: a cashier sees their own, a manager everyone's."""
    since = (now or timezone.now()) - datetime.timedelta(hours=SHIFT_HOURS)
    checks = AppliedCheck.objects.filter(restaurant=restaurant, created_at__gte=since)
    if access.can(Permission.REVERSE_OPERATION, restaurant_id=restaurant.pk):
        checks = checks.filter(actor__isnull=False)
    else:
        checks = checks.filter(actor=access.user)
    return list(checks.select_related("guest").order_by("-created_at")[:50])


def can_undo(*, access: ChainAccess, applied: AppliedCheck, now: datetime.datetime | None = None) -> bool:
    return applied.reversed_at is None and may_reverse(
        access=access,
        restaurant_id=applied.restaurant_id,
        actor_id=applied.actor_id,
        made_at=applied.created_at,
        now=now,
    )


@transaction.atomic
def undo_at_till(*, access: ChainAccess, restaurant: Restaurant, applied_check_id: int) -> list[LedgerEntry]:
    """Reverse a staff-made check of this restaurant (a cashier: their own, within the undo window); a check from
    the POS is refunded through the POS. Repeating is harmless."""
    applied = AppliedCheck.objects.filter(pk=applied_check_id, restaurant=restaurant, actor__isnull=False).first()
    if applied is None:
        raise OperationNotFound
    if applied.reversed_at is None and not can_undo(access=access, applied=applied):
        raise UndoWindowClosed
    return reverse_check(
        idempotency_key=applied.idempotency_key, actor=access.user, reason=str(_("Undone at the till"))
    )


def till_tip_is_due(*, access: ChainAccess) -> bool:
    """The first-shift tip shows until this staff member dismisses it (once per user, in this chain)."""
    return not TillTipDismissal.objects.filter(user_id=access.user.pk).exists()


def dismiss_till_tip(*, access: ChainAccess) -> None:
    """Remember that this staff member closed the tip; a second dismissal changes nothing."""
    TillTipDismissal.objects.get_or_create(user_id=access.user.pk)
