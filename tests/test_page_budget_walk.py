"""The page-budget benchmark (bench/page_budget.py) requests every page of the chain's URL map: a new URL is either
planned there or skipped with a reason, and the walk itself answers each planned page."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpResponse, JsonResponse

from accounts.models import Role
from bench.page_budget import (
    PLANS,
    SKIPPED,
    ensure_connections,
    ensure_detail_rows,
    find_rows,
    next_link,
    signed_in_clients,
    tenant_url_names,
    walk,
)
from guests.services import create_guest
from pos.check_format import PosCheck
from pos.services.receipts import receive_check
from tests.fixtures import ChainWorld
from tests.security.access_rules import _closure_value, doors

# Pages that answer a signed-in owner with a redirect (to their own page, or to the platform host's chain chooser).
REDIRECTING = {"home", "accounts:login", "accounts:chain-chooser", "set_language"}


def test_every_url_of_the_chain_map_is_requested_or_skipped_with_a_reason() -> None:
    names = set(tenant_url_names())

    assert names - set(PLANS) - set(SKIPPED) == set(), "URLs the page budget neither requests nor skips"
    assert (set(PLANS) | set(SKIPPED)) - names == set(), "planned or skipped URLs the map no longer has"
    assert set(PLANS) & set(SKIPPED) == set()
    assert all(reason.strip() for reason in SKIPPED.values())


def test_urls_skipped_as_post_only_refuse_a_get() -> None:
    """A page that answers GET is requested, not skipped as an action (read from the view: its class has no get, or
    its require_POST / require_http_methods decorator leaves GET out)."""
    answering_get = []
    for door in doors("maxloyalty.urls"):
        if not SKIPPED.get(door.name, "").startswith(("POST-only", "DELETE-only")):
            continue
        if door.view_class is not None:
            refuses_get = not hasattr(door.view_class, "get")
        else:
            allowed = _closure_value(door.callback, "request_method_list")
            refuses_get = allowed is not None and "GET" not in allowed
        if not refuses_get:
            answering_get.append(door.name)

    assert answering_get == []


def test_the_walk_enumerates_the_same_urls_as_the_access_matrix() -> None:
    assert set(tenant_url_names()) == {door.name for door in doors("maxloyalty.urls")}


def test_next_page_is_found_in_the_api_and_in_pages() -> None:
    api = JsonResponse({"count": 120, "next": "http://alpha.ml.test/api/v1/guests?page=3&q=x", "results": []})
    last_api_page = JsonResponse({"count": 120, "next": None, "results": []})
    page = HttpResponse('<nav><a href="?q=x&amp;page=2">←</a> 3 <a href="?q=x&amp;page=4">→</a></nav>')
    last_page = HttpResponse('<nav><a href="?q=x&amp;page=2">←</a> 3</nav>')

    assert next_link("/api/v1/guests?page=2&q=x", api) == "/api/v1/guests?page=3&q=x"
    assert next_link("/api/v1/guests?page=5", last_api_page) is None
    assert next_link("/guests/?q=x&page=3", page) == "/guests/?q=x&page=4"
    assert next_link("/guests/?q=x&page=3", last_page) is None


def test_the_walk_times_every_planned_page_for_the_owner_and_counts_the_cashiers_refusals(alpha: ChainWorld) -> None:
    restaurant = alpha.restaurants[0]
    users = {role: alpha.user(role) for role in (Role.OWNER, Role.CASHIER)}
    guest = create_guest(access=None, phone="+79160000123", first_name="Walker", home_restaurant_id=restaurant.id)
    (connection_id,) = ensure_connections(users[Role.OWNER], [restaurant.id])
    receive_check(
        connection_id=connection_id,
        restaurant_id=restaurant.id,
        check=PosCheck(
            external_id="walk-1",
            operation="sale",
            total_amount=Decimal("900.00"),
            currency="RUB",
            guest_kind="phone",
            guest_value=guest.phone,
        ),
        source="webhook",
    )
    staff = {**users, "manager": alpha.user(Role.MANAGER)}
    rows = find_rows(alpha.chain, staff, restaurant.id, ensure_detail_rows(alpha.chain, staff, restaurant.id))
    clients = signed_in_clients(alpha.chain, users, restaurant.id)

    measured = walk(clients, rows, cold_runs=1, warm_runs=1, hops=2, reconnect=False, quiet=True)

    owner = [m for m in measured if m.role == Role.OWNER]
    not_answered = {
        (m.request.url_name, m.request.label): m.status
        for m in owner
        if m.status != 200 and m.request.url_name not in REDIRECTING
    }
    assert not_answered == {}
    assert {m.request.url_name for m in owner} == set(PLANS)
    assert all(len(m.warm_ms) == 1 and len(m.cold_ms) == 1 for m in owner if m.status == 200)
    cashier_audit = [m for m in measured if m.role == Role.CASHIER and m.request.url_name == "audit:list"]
    assert cashier_audit and {m.status for m in cashier_audit} == {403}
    assert all(m.warm_ms == [] for m in cashier_audit)
