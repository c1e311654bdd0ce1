"""Reads about chains."""

from __future__ import annotations

from django.db.models import QuerySet

from tenants.models import Chain, ChainStatus


def served_chains() -> QuerySet[Chain]:
    """Chains whose scheduled work still runs (a suspended chain keeps earning points; a closed one does not)."""
    return Chain.objects.exclude(schema_name="public").exclude(status=ChainStatus.CLOSED).order_by("id")
