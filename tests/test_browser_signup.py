"""In a real browser: a restaurateur signs up, is asked to check their email, opens the emailed link, confirms
with their password and lands on the new chain's dashboard, signed in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core import mail

from tests.browser import chain_url, drop_signed_up_chain, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SLUG = "browser-pelmeni"
EMAIL = "ivan@browser-pelmeni.test"
PASSWORD = "strong-Passw0rd-42"


@pytest.fixture
def links_on_the_live_port(live_site: Any, settings: Any) -> Iterator[None]:
    """Links between hosts (the hand-off to the new chain) point at the live server's port."""
    settings.SITE_PORT = str(live_site.port)
    yield
    drop_signed_up_chain(SLUG)


def test_owner_signs_up_confirms_from_the_email_and_lands_on_the_new_chain(
    worlds, live_site, page, mailoutbox, links_on_the_live_port
):
    page.goto(chain_url(live_site, settings.PLATFORM_DOMAIN, "/signup/"))
    page.fill("input[name=name]", "Browser Pelmeni")
    page.fill("input[name=slug]", SLUG)
    page.fill("input[name=owner_name]", "Ivan")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[method=post] button[type=submit]")
    page.wait_for_url("**/signup/sent/")
    screenshot(page, "signup-check-your-email")
    assert EMAIL in page.locator("main").inner_text()

    messages = [message for message in mail.outbox if message.to == [EMAIL]]
    assert len(messages) == 1
    path = re.search(r"https?://\S+(/signup/confirm/\?token=\S+)", messages[0].body).group(1)
    page.goto(chain_url(live_site, settings.PLATFORM_DOMAIN, path))
    assert "Browser Pelmeni" in page.locator("main").inner_text()
    page.fill("input[name=password]", PASSWORD)
    page.click("form[method=post] button[type=submit]", timeout=90_000)  # creates and migrates the schema
    page.wait_for_url(f"**://{SLUG}.{settings.PLATFORM_DOMAIN}:*/dashboard/")
    screenshot(page, "signup-new-chain-dashboard")
    assert page.locator("h1").inner_text() == "Панель"
