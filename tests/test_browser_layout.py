"""In a real browser at tablet width (800px): the sidebar is collapsed behind a Menu button that opens it, and the
restaurant switcher (htmx) reloads the dashboard filtered to the chosen restaurant."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.browser import chain_url, committed, screenshot, wait_until
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture
def visits_in_both_restaurants(worlds):
    """A guest with a recent visit in each restaurant of chain alpha (committed, rolled up); removed afterwards."""
    world = worlds["alpha"]

    def create() -> list[int]:
        from analytics.periods import chain_time_zone
        from analytics.rollups import recompute_days
        from analytics.tests.dataset import add_guest, add_visit

        with schema_context(world.chain.schema_name):
            now = timezone.now()
            ids = []
            for n, (restaurant, amount) in enumerate(zip(world.restaurants, ["1700.00", "2900.00"], strict=True)):
                guest = add_guest(created_at=now - dt.timedelta(days=4), home=restaurant, name=f"Layout{n}")
                add_visit(guest, restaurant, now - dt.timedelta(days=2), amount)
                ids.append(guest.id)
            today = now.astimezone(chain_time_zone()).date()
            recompute_days(today - dt.timedelta(days=6), today)
            return ids

    guest_ids = committed(create)
    yield guest_ids

    def remove() -> None:
        from analytics.periods import chain_time_zone
        from analytics.rollups import recompute_days
        from guests.models import Guest, Visit

        with schema_context(world.chain.schema_name):
            Visit.objects.filter(guest_id__in=guest_ids).delete()
            Guest.objects.filter(id__in=guest_ids).delete()
            today = timezone.now().astimezone(chain_time_zone()).date()
            recompute_days(today - dt.timedelta(days=6), today)

    committed(remove)


def _amount(text: str) -> Decimal:
    return Decimal(text.replace("\xa0", "").replace("\u202f", "").replace(" ", "").replace(",", "."))


def test_tablet_layout_collapses_the_sidebar_and_switching_restaurant_filters_the_dashboard(
    worlds, live_site, page, visits_in_both_restaurants
):
    world = worlds["alpha"]
    riverside = world.restaurants[1]
    page.set_viewport_size({"width": 800, "height": 1000})
    page.goto(chain_url(live_site, world.host, "/accounts/login/"))
    page.fill("input[name=email]", "owner@alpha.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")

    menu_link = page.locator(".sidebar .menu a[href='/guests/']")
    assert page.locator(".menu-button").is_visible()
    assert not menu_link.is_visible()  # collapsed: the page starts with its content, not twelve links
    sidebar_height = page.locator(".sidebar").bounding_box()["height"]
    assert sidebar_height < 120, sidebar_height
    whole_chain = _amount(page.inner_text("[data-testid=loyalty-revenue]"))
    assert "Alpha Center" in page.inner_text("[data-testid=restaurant-comparison]")
    screenshot(page, "layout-1-tablet-collapsed")

    page.click(".menu-button")
    assert menu_link.is_visible()
    screenshot(page, "layout-2-tablet-menu-open")
    page.click(".menu-button")
    assert not menu_link.is_visible()

    page.select_option("form.restaurant-switcher select", value=str(riverside.pk))  # htmx posts and reloads
    page.wait_for_selector("[data-testid=dashboard-restaurant]")
    assert page.inner_text("[data-testid=dashboard-restaurant]") == "Alpha Riverside"
    comparison = page.inner_text("[data-testid=restaurant-comparison]")
    assert "Alpha Riverside" in comparison
    assert "Alpha Center" not in comparison
    filtered = _amount(page.inner_text("[data-testid=loyalty-revenue]"))
    assert filtered >= Decimal("2900.00")
    assert whole_chain >= filtered + Decimal("1700.00")
    assert page.locator("form.restaurant-switcher select").input_value() == str(riverside.pk)
    screenshot(page, "layout-3-tablet-riverside")

    page.goto(chain_url(live_site, world.host, "/analytics/"))  # the choice follows to the analytics page
    assert page.locator(".analytics-filters select[name=restaurant]").input_value() == str(riverside.pk)
    page.goto(chain_url(live_site, world.host, "/dashboard/"))
    page.select_option("form.restaurant-switcher select", value="")
    wait_until(page, "!document.querySelector('[data-testid=dashboard-restaurant]')")
    assert _amount(page.inner_text("[data-testid=loyalty-revenue]")) == whole_chain


@pytest.fixture
def manager_also_admin_of_beta(worlds):
    """Alpha's manager also works for chain beta as an admin (committed); the membership is removed afterwards."""
    from accounts.models import Membership

    user, beta = worlds["alpha"].user("manager"), worlds["beta"].chain
    committed(lambda: Membership.objects.create(user=user, chain=beta, role="admin"))
    yield user
    committed(lambda: Membership.objects.filter(user=user, chain=beta).delete())


def test_chain_switcher_opens_the_other_chain_signed_in(worlds, live_site, page, manager_also_admin_of_beta):
    alpha, beta = worlds["alpha"], worlds["beta"]
    with override_settings(SITE_PORT=str(live_site.port)):  # hand-off links point at the live server
        page.goto(chain_url(live_site, alpha.host, "/accounts/login/"))
        page.fill("input[name=email]", "manager@alpha.test")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard/")
        page.click(".chain-switcher summary")
        screenshot(page, "layout-4-chain-switcher")
        page.click(".chain-switcher button:has-text('Beta')")
        page.wait_for_url(f"http://{beta.host}:{live_site.port}/dashboard/")
    assert page.locator(".chain-switcher summary").inner_text() == "Beta"
    assert page.locator(".sidebar .menu a[href='/staff/']").count() == 1  # an admin here, not a manager
    assert "Beta Riverside" in page.inner_text("form.restaurant-switcher")
