"""In a real browser, under the real Content-Security-Policy header: the staff pages, the till and the Mini App
run without a single policy violation (an inline script, handler or style the policy blocks would be one), and
what used to be inline still works: the language picker submits on change, a confirmation is asked before a
secret is rotated, levels show their colour."""

from __future__ import annotations

import pytest

from tests.browser import chain_url, wait_until
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# Runs before any page script (injected by the browser's debugging protocol, so the policy does not apply to it).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""
STAFF_PAGES = ["/dashboard/", "/analytics/", "/guests/", "/loyalty/", "/loyalty/levels/", "/restaurants/", "/audit/"]


def _violations(page) -> list[str]:
    return list(page.evaluate("window.__cspViolations || []"))


def _sign_in(page, live_site, host: str, email: str) -> None:
    page.goto(chain_url(live_site, host, "/accounts/login/"))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_staff_pages_run_without_policy_violations(worlds, live_site, page):
    world = worlds["alpha"]
    page.add_init_script(RECORD_VIOLATIONS)
    _sign_in(page, live_site, world.host, "owner@alpha.test")

    seen = {}
    for path in STAFF_PAGES:
        response = page.goto(chain_url(live_site, world.host, path))
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        seen[path] = _violations(page)

    assert seen == {path: [] for path in STAFF_PAGES}


def test_the_language_picker_submits_on_change_without_an_inline_handler(worlds, live_site, page):
    world = worlds["alpha"]
    page.add_init_script(RECORD_VIOLATIONS)
    _sign_in(page, live_site, world.host, "owner@alpha.test")
    page.goto(chain_url(live_site, world.host, "/dashboard/"))

    with page.expect_navigation():
        page.select_option("form.language select[name=language]", "ru")

    assert page.locator("html").get_attribute("lang") == "ru"
    assert _violations(page) == []


def test_the_till_searches_through_htmx_without_policy_violations(worlds, live_site, page):
    world = worlds["alpha"]
    page.add_init_script(RECORD_VIOLATIONS)
    _sign_in(page, live_site, world.host, "cashier@alpha.test")
    page.goto(chain_url(live_site, world.host, "/cashier/"))

    page.fill("#till-q", "8 926 000-00-01")
    page.press("#till-q", "Enter")
    page.wait_for_selector("#till-panel form.till-register")

    # app.js moved the focus into the swapped-in part (the inline script used to): the cashier types on at once.
    assert page.evaluate("document.activeElement.closest('#till-panel') !== null")
    assert _violations(page) == []


def test_the_mini_app_runs_without_policy_violations(worlds, live_site, page):
    world = worlds["alpha"]
    page.add_init_script(RECORD_VIOLATIONS)
    response = page.goto(chain_url(live_site, world.host, "/telegram/app/"))
    page.wait_for_load_state("networkidle")

    assert "frame-ancestors https://web.telegram.org https://*.telegram.org" in response.headers[
        "content-security-policy"
    ].replace("'", "")
    assert _violations(page) == []


def test_the_platform_pages_and_django_admin_run_without_policy_violations(live_site, page, platform_host):
    page.add_init_script(RECORD_VIOLATIONS)

    seen = {}
    for path in ["/", "/signup/", "/accounts/login/", "/admin/login/"]:
        response = page.goto(chain_url(live_site, platform_host, path))
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        seen[path] = _violations(page)

    assert seen == {path: [] for path in seen}


def test_an_inline_script_would_be_blocked_and_reported(worlds, live_site, page):
    """The recorder works: a script injected the way an attacker's markup would be is refused and reported."""
    world = worlds["alpha"]
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(chain_url(live_site, world.host, "/accounts/login/"))
    page.wait_for_load_state("networkidle")

    page.evaluate(
        """() => { const s = document.createElement('script'); s.textContent = 'window.__ran = true';
                   document.body.appendChild(s); }"""
    )
    wait_until(page, "window.__cspViolations.length > 0")

    assert page.evaluate("window.__ran === undefined")
    assert any(violation.startswith("script-src") for violation in _violations(page))
