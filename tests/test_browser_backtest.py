"""In a real browser: an owner opens Draft and backtest from the loyalty pages, starts a draft from the program,
doubles the base rate and adds a level through the rows ("Add a level"), backtests it over 30 days (the progress
page ends on the figures side by side, the guest whose points change most among them, the new level holding
them) and publishes it at once."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.browser import chain_url, committed, screenshot
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
LEVEL = "Backtest regulars"
NEW_LEVEL_ROW = "[data-formset-rows=levels] [data-testid=level-row]:last-child"


def _history(schema_name: str, restaurant_id: int) -> tuple[int, bool]:
    def make() -> tuple[int, bool]:
        from decimal import Decimal

        from django_tenants.utils import schema_context

        from guests.services import create_guest
        from loyalty.models import ProgramSettings
        from loyalty.rules import Check
        from loyalty.selectors import local_now
        from loyalty.services import apply_check
        from restaurants.models import Restaurant

        with schema_context(schema_name):
            had_settings = ProgramSettings.objects.exists()
            guest = create_guest(access=None, phone="+79037771001", first_name="Backtest")
            apply_check(
                guest=guest,
                check=Check(total_amount=Decimal(3000), at=local_now() - datetime.timedelta(days=4)),
                restaurant=Restaurant.objects.get(pk=restaurant_id),
                idempotency_key="browser-backtest-1",
            )
            return guest.pk, had_settings

    return committed(make)


def _drop(schema_name: str, guest_id: int, *, had_settings: bool, since: datetime.datetime) -> None:
    def drop() -> None:
        from django.db import connection
        from django_tenants.utils import schema_context

        from loyalty.selectors import forget_program_cache

        with schema_context(schema_name), connection.cursor() as cursor:
            cursor.execute("DELETE FROM loyalty_backtest")
            cursor.execute("DELETE FROM loyalty_programdraft")
            cursor.execute("DELETE FROM audit_auditentry WHERE created_at >= %s", [since])
            if had_settings:
                cursor.execute("UPDATE loyalty_programsettings SET base_earn_rate_percent = 5")
            else:
                cursor.execute("DELETE FROM loyalty_programsettings")
            cursor.execute("UPDATE loyalty_pointsaccount SET level_id = NULL WHERE guest_id = %s", [guest_id])
            for table, column in (
                ("loyalty_ledgerentry", "guest_id"),
                ("loyalty_appliedcheck", "guest_id"),
                ("guests_visit", "guest_id"),
                ("loyalty_levelchange", "guest_id"),
                ("loyalty_notificationoutbox", "guest_id"),
                ("loyalty_pointsaccount", "guest_id"),
                ("analytics_guestmonthactivity", "guest_id"),
                ("guests_restaurantguest", "guest_id"),  # the restaurants the guest visited
                ("guests_guest", "id"),
            ):
                cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [guest_id])  # noqa: S608
            cursor.execute("DELETE FROM loyalty_level WHERE name = %s", [LEVEL])
            forget_program_cache()

    committed(drop)


def test_owner_backtests_a_draft_and_publishes_it(worlds: Any, live_site: Any, page: Any) -> None:
    world = worlds["alpha"]
    since = datetime.datetime.now(datetime.UTC)
    guest_id, had_settings = _history(world.chain.schema_name, world.restaurants[0].pk)
    try:
        page.goto(chain_url(live_site, world.host, "/accounts/login/"))
        page.fill("input[name=email]", "owner@alpha.test")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard/")
        page.goto(chain_url(live_site, world.host, "/loyalty/"))
        page.click("a[href='/loyalty/drafts/']")
        page.wait_for_url("**/loyalty/drafts/")
        page.fill("#draft-name", "Double rate")
        page.click("[data-testid=new-draft]")
        page.wait_for_url("**/loyalty/drafts/*/")
        page.fill("input[name=base_earn_rate_percent]", "10")
        rows = page.locator("[data-formset-rows=levels] [data-testid=level-row]").count()
        page.click("[data-testid=add-level]")
        assert page.locator("[data-formset-rows=levels] [data-testid=level-row]").count() == rows + 1
        page.fill(f"{NEW_LEVEL_ROW} input[name$='-name']", LEVEL)
        page.fill(f"{NEW_LEVEL_ROW} input[name$='-threshold_amount']", "0")
        page.fill(f"{NEW_LEVEL_ROW} input[name$='-earn_rate_percent']", "10")
        page.click("[data-testid=draft-form] button[type=submit]")
        page.wait_for_selector(f"[data-formset-rows=levels] input[name$='-name'][value='{LEVEL}']")
        page.select_option("select[name=days]", "30")
        page.click("[data-testid=backtest-form] button[type=submit]")
        page.wait_for_url("**/loyalty/backtests/*/")
        page.wait_for_selector("[data-testid=backtest-progress][data-status=done]")
        summary = page.inner_text("[data-testid=points-issued]")
        assert "150" in summary and "300" in summary  # 5 % now, 10 % in the draft, of 3000
        assert "Backtest" in page.inner_text("[data-testid=backtest-guests]")
        assert LEVEL in page.inner_text("[data-testid=backtest-levels]")  # the guest ends on the draft's new level
        screenshot(page, "backtest-result")
        page.click("[data-testid=back-to-draft]")
        page.click("[data-testid=publish-form] button[type=submit]")
        page.wait_for_selector("[data-testid=draft-status][data-status=published]")
        screenshot(page, "backtest-published")
    finally:
        _drop(world.chain.schema_name, guest_id, had_settings=had_settings, since=since)
