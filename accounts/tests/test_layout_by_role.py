"""The admin layout by role: the sidebar, the chain name, and the restaurant switcher offered to owners, admins and
managers (each only their restaurants), never to cashiers."""

import re

import pytest

from tests.fixtures import signed_in_client


def _switcher_options(html: str) -> list[str]:
    form = re.search(r'<form class="restaurant-switcher".*?</form>', html, re.S)
    assert form is not None, "no restaurant switcher on the page"
    return [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", form.group(0))]


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owner_and_admin_choose_among_all_restaurants(alpha, role):
    html = signed_in_client(alpha, role).get("/guests/").content.decode()
    assert _switcher_options(html) == ["All restaurants", "Alpha Center", "Alpha Riverside"]
    assert 'data-testid="chain-name">Alpha<' in html
    assert 'data-testid="chain-switcher"' not in html  # one chain: just its name


def test_manager_chooses_only_among_their_restaurants(alpha):
    html = signed_in_client(alpha, "manager").get("/dashboard/").content.decode()
    assert _switcher_options(html) == ["All my restaurants", "Alpha Center"]
    assert "Alpha Riverside" not in html
    assert ">Analytics</a>" in html
    assert ">Staff</a>" not in html


def test_cashier_gets_the_till_without_the_restaurant_switcher(alpha):
    response = signed_in_client(alpha, "cashier").get("/cashier/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="restaurant-switcher"' not in html
    assert ">Till</a>" in html
    assert ">Dashboard</a>" not in html
    assert 'data-testid="chain-name">Alpha<' in html


def test_manager_on_the_till_sees_the_tills_own_choice_not_the_switcher(alpha):
    html = signed_in_client(alpha, "manager").get("/cashier/").content.decode()
    assert 'class="restaurant-switcher"' not in html


def test_layout_collapses_its_menu_behind_a_button_on_narrow_screens(alpha):
    html = signed_in_client(alpha, "owner").get("/dashboard/").content.decode()
    assert '<input type="checkbox" id="menu-toggle"' in html
    assert '<label class="menu-button" for="menu-toggle">Menu</label>' in html
