"""In a real browser, a cashier's shift: sign in, register a guest, accrue, redeem, undo, balance on screen each time."""

import re

import pytest
from django_tenants.utils import schema_context

from loyalty.services import update_program_settings
from tests.browser import chain_url, committed, screenshot, wait_until
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def _available(page) -> int:
    return int(page.get_by_test_id("available").inner_text())


def test_cashier_registers_accrues_redeems_and_undoes(worlds, live_site, page):
    world = worlds["alpha"]

    def five_percent_program() -> None:
        with schema_context(world.chain.schema_name):
            update_program_settings(
                actor=None,
                changes={
                    "base_earn_rate_percent": 5,
                    "activation_delay_hours": 0,
                    "max_redeem_share_percent": 50,
                    "welcome_bonus_points": 0,
                },
            )

    committed(five_percent_program)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(chain_url(live_site, world.host, "/accounts/login/"))
    page.fill("input[name=email]", "cashier@alpha.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/cashier/")

    # A scanner or a keyboard: type, Enter.
    page.fill("#till-q", "8 926 111-22-33")
    page.press("#till-q", "Enter")
    page.wait_for_selector("#till-panel form.till-register")
    assert page.input_value("#till-panel input[name=phone]") == "8 926 111-22-33"
    page.fill("#till-panel input[name=first_name]", "Анна")
    page.check("#till-panel input[name=marketing_consent]")
    page.click("#till-panel form.till-register button[type=submit]")
    page.wait_for_selector("[data-testid=available]")
    screenshot(page, "cashier-1-registered")
    assert _available(page) == 0

    page.fill("#till-panel input[name=amount]", "2000")
    page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=outcome]")
    screenshot(page, "cashier-2-accrued")
    assert _available(page) == 100

    page.fill("#till-panel input[name=amount]", "500")
    page.fill("#till-panel input[name=points_to_spend]", "100")
    page.click("#till-panel button:not([data-testid=confirm])[type=submit]")  # Calculate first
    page.wait_for_selector("[data-testid=quote]")
    assert "+20" in page.get_by_test_id("quote").inner_text()
    page.click("[data-testid=confirm]")
    wait_until(page, "document.querySelector('[data-testid=available]').innerText === '20'")
    screenshot(page, "cashier-3-redeemed")
    assert _available(page) == 20
    assert page.locator("[data-testid=shift-row]").count() == 2

    page.locator("[data-testid=shift-row]").first.locator("button").click()  # undo the redemption
    page.wait_for_selector("#shift .message.success")
    page.fill("#till-q", "+79261112233")
    page.press("#till-q", "Enter")
    wait_until(
        page,
        "document.querySelector('[data-testid=available]') && document.querySelector('[data-testid=available]').innerText === '100'",
    )
    screenshot(page, "cashier-4-undone")
    assert _available(page) == 100
    assert re.search(r"\+7 926 \*\*\*-\*\*-33", page.inner_text("#till-panel"))
