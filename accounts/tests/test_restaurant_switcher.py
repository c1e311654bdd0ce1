"""The layout's restaurant switcher: a POST kept in the session; managers only among their restaurants, a forged
choice is refused, cashiers have none; without JS it redirects back, with htmx the page reloads."""

import pytest

from tests.fixtures import signed_in_client


def _choose(client, restaurant, next_path="/dashboard/", **headers):
    value = "" if restaurant is None else str(restaurant.pk)
    return client.post("/accounts/restaurant/", {"restaurant": value, "next": next_path}, **headers)


def _selected(html: str) -> str:
    start = html.index('<form class="restaurant-switcher"')
    form = html[start : html.index("</form>", start)]
    chosen = [part.split(">", 1)[1].split("<", 1)[0] for part in form.split("<option")[1:] if " selected" in part]
    return chosen[0] if chosen else "(all)"


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_and_admin_switch_to_any_restaurant_and_back_to_all(alpha, role):
    client = signed_in_client(alpha, role)
    response = _choose(client, alpha.restaurants[1])
    assert (response.status_code, response["Location"]) == (302, "/dashboard/")
    page = client.get("/dashboard/").content.decode()
    assert _selected(page) == "Alpha Riverside"
    assert 'data-testid="dashboard-restaurant">Alpha Riverside<' in page

    _choose(client, None)
    page = client.get("/dashboard/").content.decode()
    assert _selected(page) == "(all)"
    assert 'data-testid="dashboard-restaurant"' not in page


def test_manager_switches_to_their_own_restaurant(alpha):
    client = signed_in_client(alpha, "manager")
    assert _choose(client, alpha.restaurants[0]).status_code == 302
    page = client.get("/guests/").content.decode()
    assert _selected(page) == "Alpha Center"


def test_manager_cannot_choose_a_restaurant_outside_their_scope(alpha):
    client = signed_in_client(alpha, "manager")
    _choose(client, alpha.restaurants[0])
    forged = _choose(client, alpha.restaurants[1])
    assert forged.status_code == 403
    page = client.get("/dashboard/").content.decode()
    assert _selected(page) == "Alpha Center"  # the earlier, allowed choice stands
    assert "Alpha Riverside" not in page


@pytest.mark.parametrize("value", ["999999", "abc", "-1"])
def test_unknown_restaurant_values_are_refused(alpha, value):
    client = signed_in_client(alpha, "owner")
    response = client.post("/accounts/restaurant/", {"restaurant": value, "next": "/dashboard/"})
    assert response.status_code == 403


def test_cashier_cannot_use_the_switcher(alpha):
    assert _choose(signed_in_client(alpha, "cashier"), alpha.restaurants[0]).status_code == 403


def test_switching_needs_a_post(alpha):
    assert signed_in_client(alpha, "owner").get("/accounts/restaurant/?restaurant=1").status_code == 405


def test_switching_reopens_the_page_without_its_old_restaurant_filter(alpha):
    client = signed_in_client(alpha, "owner")
    response = _choose(client, alpha.restaurants[0], next_path="/analytics/?start=2026-01-01&restaurant=7&page=2")
    assert response["Location"] == "/analytics/?start=2026-01-01"


def test_switching_never_redirects_to_another_site(alpha):
    response = _choose(signed_in_client(alpha, "owner"), alpha.restaurants[0], next_path="https://evil.example/")
    assert response["Location"] == "/dashboard/"


def test_with_htmx_the_page_reloads(alpha):
    response = _choose(
        signed_in_client(alpha, "owner"), alpha.restaurants[0], "/guests/?q=Anna", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/guests/?q=Anna"


def test_the_choice_belongs_to_the_chain_it_was_made_in(alpha, beta):
    client = signed_in_client(alpha, "owner")
    _choose(client, alpha.restaurants[1])
    session = client.session
    assert session["chosen_restaurant"]["chain"] == alpha.chain.id
    session["chosen_restaurant"] = {"chain": beta.chain.id, "restaurant": alpha.restaurants[1].pk}
    session.save()
    assert _selected(client.get("/dashboard/").content.decode()) == "(all)"
