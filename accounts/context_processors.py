"""Template context for every page: the chain being served, what the signed-in user may do there, and the layout's
switchers (the user's other chains, the restaurant the pages are filtered to) and whether sample data is on."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.access import access_for
from accounts.restaurant_choice import choosable_restaurants, chosen_restaurant_id, offers_restaurant_choice
from accounts.roles import Permission
from accounts.selectors import other_chains_of
from campaigns.selectors import may_use_segments
from guests.selectors import has_sample_guests


def chain_context(request: HttpRequest) -> dict[str, Any]:
    tenant = getattr(request, "tenant", None)
    on_chain = tenant is not None and tenant.schema_name != "public"
    access = access_for(request) if on_chain else None
    allowed = access.permissions if access is not None else frozenset()
    context: dict[str, Any] = {
        "chain": tenant if on_chain else None,
        "access": access,
        "can": {permission.name.lower(): permission in allowed for permission in Permission},
        "other_chains": [],
        "restaurant_switcher": None,
        "sample_data_on": False,
        "can_use_segments": False,
    }
    if access is None:
        return context
    # Lazy: read only when a template shows them (the full layout), not for every htmx partial.
    context["other_chains"] = SimpleLazyObject(
        lambda: other_chains_of(access.user, current_chain_id=access.membership.chain_id)
    )
    # Lazy: a manager's answer reads the chain's campaign settings, only on pages that show the menu.
    context["can_use_segments"] = SimpleLazyObject(lambda: may_use_segments(access))
    if Permission.VIEW_DASHBOARD in allowed:  # the sample-data banner, for staff who see the figures it changes
        context["sample_data_on"] = SimpleLazyObject(has_sample_guests)
    if offers_restaurant_choice(access):
        context["restaurant_switcher"] = SimpleLazyObject(
            lambda: {
                "restaurants": choosable_restaurants(request, access),
                "chosen_id": chosen_restaurant_id(request, access),
                "scoped": access.restaurant_ids is not None,
            }
        )
    return context
