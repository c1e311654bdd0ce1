"""In a real browser: an owner builds a segment and its live count follows the filters as they are typed (htmx
asks campaigns' preview at each change), then saves it and finds it in the list."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import chain_url, committed, screenshot, wait_until
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

NAME = "Browser segment of nobody"


def _drop_segment(schema_name: str) -> None:
    def drop() -> None:
        from django_tenants.utils import schema_context

        from campaigns.models import Segment

        with schema_context(schema_name):
            Segment.objects.filter(name=NAME).delete()

    committed(drop)


def test_the_live_count_follows_the_filters_and_the_segment_is_saved(worlds: Any, live_site: Any, page: Any) -> None:
    world = worlds["alpha"]
    page.goto(chain_url(live_site, world.host, "/accounts/login/"))
    page.fill("input[name=email]", "owner@alpha.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")
    try:
        page.click("nav.sidebar a[href='/segments/']")
        page.wait_for_url("**/segments/")
        page.goto(chain_url(live_site, world.host, "/segments/new/"))
        page.wait_for_selector("[data-testid=preview-count]")  # counted as soon as the form loads
        everyone = page.inner_text("[data-testid=preview-count]")

        page.fill("input[name=tags]", "no-guest-has-this-tag")
        wait_until(page, "document.querySelector('[data-testid=preview-count]').textContent.trim() === '0'")
        page.fill("input[name=points_min]", "50")
        page.fill("input[name=points_max]", "10")
        page.wait_for_selector("[data-testid=preview-errors]")
        screenshot(page, "segment-preview-refusal")
        page.fill("input[name=points_max]", "")
        wait_until(page, "document.querySelector('[data-testid=preview-count]') !== null")

        page.fill("input[name=name]", NAME)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/segments/*/")
        page.click("a[href='/segments/']")
        page.wait_for_selector("[data-testid=segment-row]")
        screenshot(page, "segment-list")
        assert NAME in page.inner_text("table")
        assert everyone != ""
    finally:
        _drop_segment(world.chain.schema_name)
