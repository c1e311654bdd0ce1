"""In a real browser: an owner signs in on the chain's host and sees the dashboard, in Russian by default."""

import pytest

from tests.browser import chain_url, screenshot
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_owner_signs_in_and_sees_the_dashboard_in_russian(worlds, live_site, page):
    host = worlds["alpha"].host
    page.goto(chain_url(live_site, host, "/"))
    assert page.locator("h1").inner_text() == "Вход"
    page.fill("input[name=email]", "owner@alpha.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")
    screenshot(page, "owner-dashboard")
    assert page.locator("h1").inner_text() == "Панель"
    assert page.get_by_test_id("restaurants-open").inner_text() == "2 / 2"


def test_wrong_password_shows_a_message_and_stays_on_sign_in(worlds, live_site, page):
    page.goto(chain_url(live_site, worlds["beta"].host, "/accounts/login/"))
    page.fill("input[name=email]", "owner@beta.test")
    page.fill("input[name=password]", "definitely-wrong")
    page.click("button[type=submit]")
    screenshot(page, "sign-in-refused")
    assert "Неверный" in page.locator(".form-errors").inner_text()
