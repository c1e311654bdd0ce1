"""Domain errors of restaurants, rendered by the one API handler and page decorator (maxloyalty.errors)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from maxloyalty.errors import Conflict, NotFound


class RestaurantNotFound(NotFound):
    code = "restaurant_not_found"


class RestaurantHasHistory(Conflict):
    code, message = (
        "restaurant_has_history",
        _("This restaurant has checks or points history; close it (status) instead of deleting it."),
    )
