"""Reads about users: the chains a user works for."""

from __future__ import annotations

from django.db.models import Q

from accounts.models import Membership, StaffInvitation, User
from tenants.models import Chain, ChainStatus


def chains_of(user: User) -> list[Chain]:
    """The chains where the user is active staff (closed chains left out), by name: the chooser and the switcher."""
    chain_ids = Membership.objects.filter(user=user, is_active=True).values_list("chain_id", flat=True)
    chains = Chain.objects.filter(id__in=chain_ids).exclude(schema_name="public").exclude(status=ChainStatus.CLOSED)
    return list(chains.order_by("name", "id"))


def other_chains_of(user: User, *, current_chain_id: int) -> list[Chain]:
    """The layout's chain switcher: the user's chains but the one in use."""
    return [chain for chain in chains_of(user) if chain.pk != current_chain_id]


def staff_of_chain(*, chain_id: int) -> list[Membership]:
    """Every membership of the chain with its user, active first, owners first."""
    role_order = {role: index for index, role in enumerate(["owner", "admin", "manager", "cashier"])}
    memberships = list(Membership.objects.filter(chain_id=chain_id).select_related("user"))
    return sorted(memberships, key=lambda item: (not item.is_active, role_order.get(item.role, 9), item.user.email))


def staff_matching(*, chain_id: int, query: str, limit: int = 5) -> list[Membership]:
    """The chain's staff whose name or email contains `query` (the quick search), active first, by email."""
    text = query.strip()
    if not text:
        return []
    memberships = Membership.objects.filter(chain_id=chain_id).filter(
        Q(user__full_name__icontains=text) | Q(user__email__icontains=text)
    )
    return list(memberships.select_related("user").order_by("-is_active", "user__email")[:limit])


def open_invitations_of_chain(*, chain_id: int) -> list[StaffInvitation]:
    """Invitations neither accepted nor withdrawn (expired ones included, to be resent or withdrawn), newest first."""
    invitations = StaffInvitation.objects.filter(chain_id=chain_id, accepted_at__isnull=True, revoked_at__isnull=True)
    return list(invitations.select_related("invited_by").order_by("-created_at", "-id"))
