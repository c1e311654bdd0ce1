"""Issue #28's proof in a real browser: a first-time owner signs up (confirming from the emailed link), follows the
setup checklist, adds a restaurant, connects a POS through the webhook, presses "Send a test check", sees the check
and its points appear on the connection's page, reviews the program and finishes (dismisses) the checklist.

After the first page every step is a click or a form field: the only other address opened is the confirmation link
from the email (the owner clicks it in their mail). A missing link on the way fails the click that needs it. The
test prints the pages the owner went through and the time it took."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core import mail

from tests.browser import chain_url, drop_signed_up_chain, screenshot, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SLUG = "first-hour"
EMAIL = "owner@first-hour.test"
PASSWORD = "strong-Passw0rd-28"


@pytest.fixture
def links_on_the_live_port(live_site: Any, settings: Any) -> Iterator[None]:
    settings.SITE_PORT = str(live_site.port)
    yield
    drop_signed_up_chain(SLUG)


def _state(page: Any, step: str) -> str:
    return str(page.get_attribute(f"[data-testid=setup-step-{step}]", "data-state"))


def test_a_first_time_owner_reaches_a_check_with_points_by_clicks_alone(
    worlds, live_site, page, links_on_the_live_port
):
    pages: list[str] = []
    page.on("framenavigated", lambda frame: pages.append(frame.url) if frame == page.main_frame else None)
    page.on("dialog", lambda dialog: dialog.accept())  # the dismissal asks first
    started = time.monotonic()

    page.goto(chain_url(live_site, settings.PLATFORM_DOMAIN, "/signup/"))  # the one typed address
    page.fill("input[name=name]", "First Hour Bistro")
    page.fill("input[name=slug]", SLUG)
    page.fill("input[name=owner_name]", "Olga")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[method=post] button[type=submit]")
    page.wait_for_url("**/signup/sent/")
    (message,) = [message for message in mail.outbox if message.to == [EMAIL]]
    emailed = re.search(r"https?://\S+/signup/confirm/\?token=\S+", message.body)
    assert emailed is not None
    page.goto(emailed.group(0).replace(f":{settings.SITE_PORT}/", f":{live_site.port}/"))  # clicked in the mail
    page.fill("input[name=password]", PASSWORD)
    page.click("form[method=post] button[type=submit]", timeout=90_000)  # creates and migrates the schema
    page.wait_for_url(f"**://{SLUG}.{settings.PLATFORM_DOMAIN}:*/dashboard/")
    signed_up = time.monotonic()

    assert page.is_visible("[data-testid=setup-checklist]")
    assert _state(page, "restaurant") == "todo"
    page.click("[data-testid=setup-action-restaurant]")
    page.fill("input[name=name]", "Bistro on the Embankment")
    page.fill("input[name=address]", "Embankment 1")
    page.click("main .narrow-card form button.primary")
    page.wait_for_url("**/restaurants/*/")

    page.select_option("#connect-pos select[name=kind]", "webhook")
    page.fill("#connect-pos input[name=name]", "Front till")
    page.click("#connect-pos button[type=submit]")
    page.wait_for_url("**/restaurants/*/connections/*/")
    secret = page.inner_text("[data-testid=signing-secret]")
    webhook_url = page.inner_text("[data-testid=webhook-url]")
    assert secret in page.inner_text("[data-testid=example-curl]")
    assert webhook_url in page.inner_text("[data-testid=example-python]")

    page.click("[data-testid=send-test-check]")
    wait_until(
        page,
        "document.querySelector('[data-testid=check-points]') !== null"
        " && document.querySelector('[data-testid=check-points]').textContent.trim().startsWith('+')",
    )
    assert page.is_visible("[data-testid=test-mark]")
    points = page.inner_text("[data-testid=check-points]")
    assert int(points.strip().lstrip("+")) > 0
    screenshot(page, "first-hour-test-check")

    page.click("nav.sidebar a[href='/dashboard/']")
    assert (_state(page, "restaurant"), _state(page, "pos")) == ("done", "waiting")
    page.click("[data-testid=setup-action-program]")
    page.fill("input[name=welcome_bonus_points]", "100")
    page.click("form.settings-form button[type=submit]")
    page.wait_for_url("**/loyalty/")
    page.click("nav.sidebar a[href='/dashboard/']")
    assert _state(page, "program") == "done"
    page.click("[data-testid=setup-open]")
    page.click("[data-testid=setup-dismiss]")
    page.wait_for_url("**/dashboard/")
    assert not page.is_visible("[data-testid=setup-checklist]")
    finished = time.monotonic()

    print(  # the proof's figures, read from the test's output (pytest -s)
        f"\nfirst hour: {len(pages)} pages, {finished - started:.1f} s in all, "
        f"{finished - signed_up:.1f} s from the new chain's dashboard to the finished checklist"
    )
    assert len(pages) <= 16
