"""Empty states of the lists a new chain looks at first: each says what will appear there and links to the action
that fills it (templates/_empty_state.html), and the link is there only for a role that may take that action."""

from __future__ import annotations

import re

import pytest

from accounts.models import Membership, Role
from restaurants.models import Restaurant
from tests.fixtures import ChainWorld, client_on, signed_in_client

EMPTY = re.compile(r'<section class="empty card[^"]*" data-testid="(?P<testid>[^"]+)".*?</section>', re.S)


def _empty_state(world: ChainWorld, role: str, path: str, testid: str = "empty") -> str:
    response = signed_in_client(world, role).get(path)
    assert response.status_code == 200, path
    states = {match["testid"]: match[0] for match in EMPTY.finditer(response.content.decode())}
    assert testid in states, f"no empty state {testid!r} on {path}"
    return states[testid]


def _action(state: str) -> str | None:
    found = re.search(r'href="([^"]*)" data-testid="empty-action"', state)
    return found[1] if found else None


def test_new_chain_guest_list_says_where_guests_come_from_and_offers_the_import(alpha):
    state = _empty_state(alpha, "owner", "/guests/")
    assert "No guests yet" in state
    assert "register them at the till" in state
    assert _action(state) == "/guests/import/"


def test_manager_sees_the_empty_guest_list_without_the_import_they_may_not_run(alpha):
    state = _empty_state(alpha, "manager", "/guests/")
    assert "No guests yet" in state
    assert _action(state) is None


def test_filtered_guest_list_without_matches_offers_to_clear_the_filters(alpha):
    state = _empty_state(alpha, "owner", "/guests/?q=nobody-like-this")
    assert "No guest matches these filters" in state
    assert _action(state) == "/guests/"


@pytest.mark.parametrize(("role", "action"), [("owner", "/restaurants/new/"), ("manager", None)])
def test_chain_without_restaurants_is_asked_to_add_one_by_whoever_may(alpha, role, action):
    Restaurant.objects.all().delete()
    state = _empty_state(alpha, role, "/restaurants/")
    assert "No restaurants yet" in state
    assert _action(state) == action


@pytest.mark.parametrize(("role", "action"), [("admin", "#connect-pos"), ("manager", None)])
def test_restaurant_without_a_pos_offers_to_connect_one_to_whoever_may(alpha, role, action):
    state = _empty_state(alpha, role, f"/restaurants/{alpha.restaurants[0].id}/")
    assert "No POS connected" in state
    assert _action(state) == action


def test_restaurant_without_failed_checks_says_what_would_appear_there(alpha):
    state = _empty_state(alpha, "owner", f"/restaurants/{alpha.restaurants[0].id}/", testid="empty-failed")
    assert "No failed checks" in state
    assert _action(state) is None


@pytest.mark.parametrize(
    ("path", "text", "action"),
    [
        ("/loyalty/levels/", "No levels yet", "/loyalty/levels/new/"),
        ("/loyalty/promos/", "No promos yet", "/loyalty/promos/new/"),
    ],
)
def test_program_lists_offer_their_first_item(alpha, path, text, action):
    state = _empty_state(alpha, "admin", path)
    assert text in state
    assert _action(state) == action


@pytest.mark.parametrize(("role", "action"), [("owner", "/staff/invite/"), ("admin", "/staff/invite/")])
def test_owner_alone_in_the_chain_is_offered_to_invite_staff(alpha, role, action):
    Membership.objects.filter(chain_id=alpha.chain.id).exclude(role=role).delete()
    state = _empty_state(alpha, role, "/staff/")
    assert "Only you so far" in state
    assert _action(state) == action


def test_staff_list_with_colleagues_shows_no_empty_state(alpha):
    page = signed_in_client(alpha, Role.OWNER).get("/staff/").content.decode()
    assert "Only you so far" not in page


def test_empty_audit_log_says_what_will_appear_there(alpha):
    state = _empty_state(alpha, "owner", "/audit/?action=nothing-like-this")
    assert "Changes made by staff appear here" in state
    assert _action(state) is None


@pytest.mark.parametrize(("role", "action"), [("owner", "/settings/telegram/"), ("admin", "/settings/telegram/")])
def test_broadcasts_without_a_bot_link_to_connecting_it(alpha, role, action):
    state = _empty_state(alpha, role, "/settings/telegram/broadcasts/", testid="empty-bot")
    assert "Connect a Telegram bot first" in state
    assert _action(state) == action


@pytest.mark.parametrize(("role", "action"), [("owner", "/cashier/"), ("manager", "/cashier/")])
def test_guest_without_visits_links_to_the_till(alpha, role, action):
    from guests.tests.factories import GuestFactory

    guest = GuestFactory(home_restaurant=alpha.restaurants[0])
    state = _empty_state(alpha, role, f"/guests/{guest.pk}/")
    assert "No visits yet" in state
    assert _action(state) == action


def test_empty_states_speak_russian_by_default(alpha):
    client = client_on(alpha.host, language="ru")
    client.force_login(alpha.user("owner"), backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/guests/").content.decode()
    assert "Гостей пока нет" in page
    assert 'data-testid="empty-action">Импорт гостей из CSV<' in page


def test_settings_without_a_pos_link_to_the_restaurants_to_connect_one(alpha):
    state = _empty_state(alpha, "admin", "/settings/", testid="empty-pos")
    assert "No POS is connected yet" in state
    assert _action(state) == "/restaurants/"
