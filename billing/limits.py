"""The one place that answers "may this chain do X now?"; every limited action calls `require_allowed`.

Usage is kept cheap: restaurants and staff are small indexed counts; the guest count is cached (60 s) and recounted
exactly whenever the cached figure is near the limit, so the boundary itself is always exact.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.core.cache import caches
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context

from billing.errors import PlanFeatureMissing, PlanLimitReached
from billing.models import MessageUsage, Plan
from billing.selectors import plan_of
from maxloyalty.current_schema import current_schema_name, current_tenant
from tenants.models import Chain

GUEST_COUNT_TTL_SECONDS = 60
# Within this many guests of the limit the count is taken exactly (the cache may lag by a minute of sign-ups).
EXACT_COUNT_MARGIN = 200
UPGRADE_PATH = "/billing/"


class Limit(StrEnum):
    RESTAURANTS = "restaurants"
    STAFF = "staff"
    GUESTS = "guests"
    MESSAGES = "messages"
    API_ACCESS = "api_access"


LIMIT_LABELS = {
    Limit.RESTAURANTS: _("Restaurants"),
    Limit.STAFF: _("Staff users"),
    Limit.GUESTS: _("Guests"),
    Limit.MESSAGES: _("Messages this month"),
    Limit.API_ACCESS: _("API access"),
}
COUNTED_LIMITS = (Limit.RESTAURANTS, Limit.STAFF, Limit.GUESTS, Limit.MESSAGES)


def plan_figure(plan: Plan, limit: Limit) -> int | None:
    """The plan's figure for a counted limit; None = unlimited."""
    return {
        Limit.RESTAURANTS: plan.max_restaurants,
        Limit.STAFF: plan.max_staff,
        Limit.GUESTS: plan.max_guests,
        Limit.MESSAGES: plan.max_messages_per_month,
    }[limit]


def _in_chain(chain: Chain) -> schema_context:
    return schema_context(chain.schema_name)


def _guest_cache_key(chain: Chain) -> str:
    return f"billing:guests:{chain.pk}"


def count_usage(chain: Chain, limit: Limit, *, exact: bool = False) -> int:
    if limit == Limit.STAFF:
        from accounts.models import Membership

        return Membership.objects.filter(chain_id=chain.pk, is_active=True).count()
    if limit == Limit.MESSAGES:
        row = MessageUsage.objects.filter(chain_id=chain.pk, month=_this_month()).first()
        return row.messages if row else 0
    if limit == Limit.RESTAURANTS:
        from restaurants.models import Restaurant

        with _in_chain(chain):
            return Restaurant.objects.count()
    if limit == Limit.GUESTS:
        cache = caches["platform"]
        if not exact:
            cached = cache.get(_guest_cache_key(chain))
            if cached is not None:
                return int(cached)
        from guests.models import Guest

        with _in_chain(chain):
            figure = Guest.objects.filter(is_sample=False).count()  # sample guests (#28) are not billed
        cache.set(_guest_cache_key(chain), figure, GUEST_COUNT_TTL_SECONDS)
        return figure
    raise ValueError(f"{limit} is not counted")


def _this_month() -> datetime.date:
    return timezone.now().date().replace(day=1)


@dataclass(frozen=True)
class Usage:
    limit: Limit
    label: str
    used: int
    figure: int | None

    @property
    def percent(self) -> int:
        if not self.figure:
            return 0
        return min(100, round(100 * self.used / self.figure))

    @property
    def is_reached(self) -> bool:
        return self.figure is not None and self.used >= self.figure


def usage_for(chain: Chain) -> list[Usage]:
    plan = plan_of(chain)
    return [
        Usage(limit, str(LIMIT_LABELS[limit]), count_usage(chain, limit), plan_figure(plan, limit))
        for limit in COUNTED_LIMITS
    ]


def refusal_for(limit: Limit, figure: int | None) -> PlanLimitReached:
    name = str(LIMIT_LABELS[limit])
    if figure is None:
        message = gettext("Your plan does not include %(name)s. Upgrade your plan: %(url)s") % {
            "name": name,
            "url": UPGRADE_PATH,
        }
        return PlanFeatureMissing(message, limit=str(limit), figure=None, upgrade_url=UPGRADE_PATH)
    message = gettext("Your plan allows %(figure)s: %(name)s. Upgrade your plan: %(url)s") % {
        "figure": figure,
        "name": name.lower(),
        "url": UPGRADE_PATH,
    }
    return PlanLimitReached(message, limit=str(limit), figure=figure, upgrade_url=UPGRADE_PATH)


def is_allowed(chain: Chain, limit: Limit, *, adding: int = 1) -> bool:
    try:
        require_allowed(chain, limit, adding=adding)
    except PlanLimitReached:
        return False
    return True


def require_allowed(chain: Chain | None, limit: Limit, *, adding: int = 1) -> None:
    """Raise PlanLimitReached (402 `plan_limit`, or 403 for a missing feature) when the chain's plan forbids it now.

    `adding` is how many objects the action creates (a broadcast to 500 guests adds 500 messages).
    """
    chain = chain if chain is not None and chain.pk else _current_chain()
    if chain is None:
        return
    plan = plan_of(chain)
    if limit == Limit.API_ACCESS:
        if not plan.api_access:
            raise refusal_for(limit, None)
        return
    figure = plan_figure(plan, limit)
    if figure is None:
        return
    used = count_usage(chain, limit)
    if limit == Limit.GUESTS and used + adding > figure - EXACT_COUNT_MARGIN:
        used = count_usage(chain, limit, exact=True)
    if used + adding > figure:
        raise refusal_for(limit, figure)


# Guests who arrive by themselves (bot, sign-up page) or with a POS check are never turned away: refusing them
# would lose a real guest's points. The limit stops staff creating guests (till, API, import) beyond the plan.
GUEST_SOURCES_NEVER_REFUSED = frozenset({"telegram", "signup", "pos"})


def require_guest_allowed(*, source: str, adding: int = 1) -> None:
    """The guest limit as create_guest applies it (see GUEST_SOURCES_NEVER_REFUSED)."""
    if source not in GUEST_SOURCES_NEVER_REFUSED:
        require_allowed(None, Limit.GUESTS, adding=adding)


def _current_chain() -> Chain | None:
    """The chain whose schema is active (schema_context leaves only a stand-in without an id)."""
    tenant = current_tenant()
    schema_name = getattr(tenant, "schema_name", None) or current_schema_name()
    if not schema_name or schema_name == "public":
        return None
    if isinstance(tenant, Chain) and tenant.pk:
        return tenant
    return Chain.objects.filter(schema_name=schema_name).first()


def record_messages_sent(chain: Chain | None, count: int) -> None:
    """Add sent broadcast messages to this month's usage (chain None: the chain whose schema is active)."""
    from django.db.models import F

    chain = chain if chain is not None and chain.pk else _current_chain()
    if chain is None or count <= 0:
        return
    row, _created = MessageUsage.objects.get_or_create(chain_id=chain.pk, month=_this_month())
    MessageUsage.objects.filter(pk=row.pk).update(messages=F("messages") + count)
