"""Who may create points out of nothing, of which kind and how many: the one rule behind every door that gives
points by hand (the API's accrue and adjust, the guest page's adjustment, the till, the bot), checked by the
ledger services themselves (loyalty.services.ledger accrue_points and adjust_points), so no door can skip it.

1. The program itself (no actor) creates points by its own rules: a check's accrual and promo bonuses computed
   from the amount (apply_check, the POS drain's apply_checks), the welcome, birthday and referral bonuses. It is
   the only source of those automatic grants; the role rule does not apply to it.
2. A staff member who gives points by hand (free-form points of any earning kind: accrual, welcome, birthday,
   referral, promo bonus; or an adjustment, either sign) makes a manual grant. A cashier earns points for a guest
   only through a check (the till, the check API), which is not a manual grant.
3. The most points one manual grant may move is the role's limit: owners and admins (ADJUST_POINTS_UNLIMITED)
   none; roles with ADJUST_POINTS (managers) the program's `manager_adjustment_limit`; other staff (cashiers) the
   program's `cashier_grant_limit`, 0 by default. The same limit holds for everything one staff member grants
   one guest by hand in a day (chain time, either sign): twenty grants of 500 are not a way around a limit of 500.
4. A limit of 0 (or no membership in the chain) refuses any manual grant: GrantNotAllowed (403
   `grant_not_allowed`); more than the limit: GrantLimitExceeded (403 `grant_limit_exceeded`, with the limit and,
   for the day's total, what was granted already). Every manual grant that passes is audited by the ledger service
   (points.accrued / points.adjusted), and the day's total is read from those audit rows, under the guest's
   account lock (so two grants at once cannot both pass the last of the limit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from accounts.roles import Permission, role_allows
from audit.models import AuditEntry
from guests.models import Guest
from loyalty.errors import GrantLimitExceeded, GrantNotAllowed
from loyalty.models import EARNING_KINDS, EntryKind
from loyalty.rules import ProgramSnapshot
from loyalty.selectors import chain_today, local_midnight, program_context
from maxloyalty.current_schema import current_schema_name

if TYPE_CHECKING:
    from accounts.models import User

MANUAL_KINDS = frozenset({*EARNING_KINDS, EntryKind.ADJUSTMENT})


def manual_grant_limit(role: str | None, program: ProgramSnapshot) -> int | None:
    """The most points one manual grant by this role may move (None: no limit; 0: no manual grant at all)."""
    if role is None:
        return 0
    if role_allows(role, Permission.ADJUST_POINTS_UNLIMITED):
        return None
    if role_allows(role, Permission.ADJUST_POINTS):
        return program.manager_adjustment_limit
    if role_allows(role, Permission.ACCRUE_POINTS):
        return program.cashier_grant_limit
    return 0


def role_in_chain(actor: User) -> str | None:
    """The actor's active role in the chain being served (the schema in use), or None."""
    if not actor.is_authenticated:
        return None  # type: ignore[unreachable]  # an anonymous user passed despite the type: no access
    role: str | None = (
        Membership.objects.filter(user=actor, chain__schema_name=current_schema_name(), is_active=True)
        .values_list("role", flat=True)
        .first()
    )
    return role


MANUAL_GRANT_ACTIONS = ("points.accrued", "points.adjusted")  # the audit actions of manual grants


def require_grant_right(*, actor: User | None, guest_id: int, kind: str, points: int) -> None:
    """Allow this grant of `points` (of `kind`) to the guest by `actor` (None: the program itself), or raise
    (rules 1-4). The caller holds the guest's account lock."""
    if actor is None:
        return
    if kind not in MANUAL_KINDS:
        raise GrantNotAllowed(kind=kind)
    limit = manual_grant_limit(role_in_chain(actor), program_context().program)
    if limit == 0:
        raise GrantNotAllowed(kind=kind, limit=0, requested=points)
    if limit is None:
        return
    if abs(points) > limit:
        raise GrantLimitExceeded(
            _("You may adjust at most %(limit)d points at a time.") % {"limit": limit},
            kind=kind,
            limit=limit,
            requested=points,
        )
    granted_today = points_granted_today(actor=actor, guest_id=guest_id)
    if granted_today + abs(points) > limit:
        raise GrantLimitExceeded(
            _("You may give this guest at most %(limit)d points by hand a day; %(granted)d given today.")
            % {"limit": limit, "granted": granted_today},
            kind=kind,
            limit=limit,
            requested=points,
            granted_today=granted_today,
        )


def points_granted_today(*, actor: User, guest_id: int) -> int:
    """The points (either sign) this staff member has given this guest by hand since the chain's midnight."""
    since = local_midnight(chain_today())
    moved = AuditEntry.objects.filter(
        actor=actor,
        action__in=MANUAL_GRANT_ACTIONS,
        object_type=Guest._meta.label_lower,
        object_id=str(guest_id),
        created_at__gte=since,
    ).values_list("data__points", flat=True)
    return sum(abs(int(points)) for points in moved if points is not None)
