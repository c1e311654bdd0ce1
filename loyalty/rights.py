"""Who may do what with points, beyond the role map (accounts.roles): restaurant scope, spending and the undo window.

The API and the pages both call these; the redeem right is checked by the services that spend points themselves
(loyalty.services redeem_points, apply_check), so every door gives the same answer.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.access import ChainAccess, resolve_access
from accounts.actors import Actor
from accounts.models import Membership, User
from accounts.roles import Permission
from loyalty.errors import RedeemNotAllowed, RestaurantRequired, UndoWindowPassed
from loyalty.models import LedgerEntry
from loyalty.selectors import program_context
from maxloyalty.current_schema import current_schema_name
from maxloyalty.errors import ValidationFailed
from restaurants.models import Restaurant


def restaurant_for_operation(*, access: ChainAccess, restaurant_id: int | None) -> Restaurant | None:
    """The restaurant an operation happens in. Staff limited to restaurants must name one of theirs (or have
    exactly one); owners and admins may leave it empty (a chain-wide operation)."""
    if restaurant_id is None:
        if access.restaurant_ids is None:
            return None
        if len(access.restaurant_ids) != 1:
            raise RestaurantRequired(fields={"restaurant_id": [str(_("Name one of your restaurants."))]})
        restaurant_id = next(iter(access.restaurant_ids))
    if not access.covers_restaurant(restaurant_id):
        raise PermissionDenied
    restaurant = Restaurant.objects.filter(pk=restaurant_id).first()
    if restaurant is None:
        raise ValidationFailed(fields={"restaurant_id": [str(_("Unknown restaurant."))]})
    return restaurant


def may_reverse(
    *,
    access: ChainAccess,
    restaurant_id: int | None,
    actor_id: int | None,
    made_at: datetime.datetime,
    now: datetime.datetime | None = None,
) -> bool:
    """The one undo rule, for ledger entries (API) and checks applied at the till: managers and up reverse any
    operation of their restaurants (owners and admins: any at all); a cashier undoes only their own operations
    (actor_id is theirs) in their restaurants, within the program's undo window after made_at."""
    if access.can(Permission.REVERSE_OPERATION) and access.covers_restaurant(restaurant_id):
        return True
    if not access.can(Permission.UNDO_OWN_OPERATION):
        return False
    if actor_id is None or actor_id != access.user.pk or not access.covers_restaurant(restaurant_id):
        return False
    window = datetime.timedelta(minutes=program_context().program.undo_window_minutes)
    return (now or timezone.now()) - made_at <= window


def require_reversal_right(*, access: ChainAccess, entry: LedgerEntry, now: datetime.datetime | None = None) -> None:
    """may_reverse for a ledger entry: a role without any undo right gets 403 permission_denied, anyone else
    refused gets 403 undo_window_passed."""
    if may_reverse(
        access=access, restaurant_id=entry.restaurant_id, actor_id=entry.actor_id, made_at=entry.created_at, now=now
    ):
        return
    if not access.can(Permission.UNDO_OWN_OPERATION):
        raise PermissionDenied
    minutes = program_context().program.undo_window_minutes
    raise UndoWindowPassed(entry_id=entry.pk, undo_window_minutes=minutes)


def staff_access(actor: User) -> ChainAccess | None:
    """The actor's access in the chain whose schema is in use; None without an active membership there."""
    if not actor.is_authenticated:
        return None  # type: ignore[unreachable]  # an anonymous user passed despite the type: no access
    chain_id = (
        Membership.objects.filter(user=actor, chain__schema_name=current_schema_name(), is_active=True)
        .values_list("chain_id", flat=True)
        .first()
    )
    return None if chain_id is None else resolve_access(actor, chain_id)


def require_redeem_right(*, actor: Actor, restaurant_id: int | None) -> None:
    """The one rule for spending a guest's points, whatever the door (the API's redeem and check, the till):
    the system (no actor: the POS, the program) may; a staff member needs the role map's REDEEM_POINTS and, when
    limited to restaurants, one of theirs as the restaurant the points are spent in. Otherwise RedeemNotAllowed
    (403 `redeem_not_allowed`)."""
    if actor is None:
        return
    access = staff_access(actor)
    if access is None or not access.can(Permission.REDEEM_POINTS) or not access.covers_restaurant(restaurant_id):
        raise RedeemNotAllowed(restaurant_id=restaurant_id)
