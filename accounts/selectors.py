"""Reads about users: the chains a user works for."""

from __future__ import annotations

from accounts.models import Membership, User
from tenants.models import Chain


def chains_of(user: User) -> list[Chain]:
    chain_ids = Membership.objects.filter(user=user, is_active=True).values_list("chain_id", flat=True)
    return list(Chain.objects.filter(id__in=chain_ids).exclude(schema_name="public").order_by("name"))
