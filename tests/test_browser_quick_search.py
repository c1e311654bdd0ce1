"""In a real browser: "/" puts the cursor in the layout's quick search, typing shows results under the box, the
arrows choose one and Enter opens it; Escape closes the results."""

from __future__ import annotations

import pytest

from tests.browser import chain_url, screenshot, wait_until
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_keyboard_only_quick_search_opens_a_restaurant(worlds, live_site, page):
    world = worlds["alpha"]
    riverside = world.restaurants[1]
    page.goto(chain_url(live_site, world.host, "/accounts/login/"))
    page.fill("input[name=email]", "owner@alpha.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")

    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.name") == "quick"
    page.keyboard.type("Riverside")
    page.wait_for_selector("#quick-search-results [role=option]")
    assert page.get_attribute("[data-quick-search] input", "aria-expanded") == "true"
    screenshot(page, "quick-search-1-results")

    page.keyboard.press("Escape")
    wait_until(page, "!document.querySelector('#quick-search-results [role=option]')")
    assert page.get_attribute("[data-quick-search] input", "aria-expanded") == "false"

    page.keyboard.press("/")  # back in the box, its text selected: typing replaces it
    page.keyboard.type("Alpha Riv")
    page.wait_for_selector("#quick-search-results [role=option]")
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#quick-search-results [role=option]", "aria-selected") == "true"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/restaurants/{riverside.pk}/")
