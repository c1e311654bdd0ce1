"""The layout's two switchers: another chain of the user (through the one-time hand-off) and the restaurant the
pages are filtered to (kept in the session). Both are POSTs from forms in templates/base.html."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.access import access_for, home_path_for, permission_required_page
from accounts.handoff import handoff_url
from accounts.requests import StaffRequest
from accounts.restaurant_choice import choose_restaurant
from accounts.selectors import other_chains_of

# Filters the switcher replaces: the page it was used on reopens with the new choice, not the old explicit one.
RESTAURANT_FILTERS = ("restaurant", "home_restaurant", "page", "after", "before")


@permission_required_page()
@require_POST
def switch_chain(request: StaffRequest) -> HttpResponse:
    """Open another chain the user works for, signed in there through the hand-off (no second password)."""
    chains = other_chains_of(request.user, current_chain_id=request.tenant.id)
    target = next((chain for chain in chains if str(chain.pk) == request.POST.get("chain", "")), None)
    if target is None:
        raise Http404
    return HttpResponseRedirect(handoff_url(request.user, target))


@permission_required_page()
@require_POST
def switch_restaurant(request: StaffRequest) -> HttpResponse:
    """Keep the chosen restaurant (or all) and reopen the page it was chosen on; a restaurant the user may not
    choose is a 403."""
    access = access_for(request)
    assert access is not None
    choose_restaurant(request, access, request.POST.get("restaurant", "").strip())
    back = _page_without_restaurant_filter(request, request.POST.get("next", "")) or home_path_for(access)
    if request.htmx:
        return HttpResponseClientRedirect(back)
    return redirect(back)


def _page_without_restaurant_filter(request: HttpRequest, wanted: str) -> str:
    if not wanted or not url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return ""
    parts = urlsplit(wanted)
    query = QueryDict(parts.query, mutable=True)
    for name in RESTAURANT_FILTERS:
        query.pop(name, None)
    remaining = query.urlencode()
    return parts.path + (f"?{remaining}" if remaining else "")
