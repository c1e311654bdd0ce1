"""Reads about users: the chains a user works for."""

from __future__ import annotations

from accounts.models import Membership, User
from tenants.models import Chain, ChainStatus


def chains_of(user: User) -> list[Chain]:
    chain_ids = Membership.objects.filter(user=user, is_active=True).values_list("chain_id", flat=True)
    return list(Chain.objects.filter(id__in=chain_ids).exclude(schema_name="public").order_by("name"))


def other_chains_of(user: User, *, current_chain_id: int) -> list[Chain]:
    """The layout's chain switcher: the other chains where the user is active staff (closed chains left out)."""
    memberships = (
        Membership.objects.filter(user=user, is_active=True)
        .exclude(chain_id=current_chain_id)
        .exclude(chain__schema_name="public")
        .exclude(chain__status=ChainStatus.CLOSED)
        .select_related("chain")
        .order_by("chain__name", "chain_id")
    )
    return [membership.chain for membership in memberships]


def staff_of_chain(*, chain_id: int) -> list[Membership]:
    """Every membership of the chain with its user, active first, owners first."""
    role_order = {role: index for index, role in enumerate(["owner", "admin", "manager", "cashier"])}
    memberships = list(Membership.objects.filter(chain_id=chain_id).select_related("user"))
    return sorted(memberships, key=lambda item: (not item.is_active, role_order.get(item.role, 9), item.user.email))
