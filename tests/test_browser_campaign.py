"""In a real browser: an owner builds a segment and previews it, writes a campaign in Russian with a template
variable (the preview fills it with a sample guest), sends it (tasks run eagerly after the commit) and reads its
progress and results on the campaign's page."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

import pytest

from tests.browser import chain_url, committed, screenshot, wait_until
from tests.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SEGMENT = "Гости кампании в браузере"
CAMPAIGN = "Осеннее меню (браузер)"


def _in_alpha(world: Any, action: Any) -> Any:
    def run() -> Any:
        from django_tenants.utils import schema_context

        with schema_context(world.chain.schema_name):
            return action()

    return committed(run)


def _guests_and_quiet_hours(world: Any, tag: str) -> None:
    """Two guests who agreed to email, tagged for this run; no quiet hours, so the emails go at any hour."""
    from guests.services import create_guest
    from messaging.services import update_messaging_settings

    update_messaging_settings(actor=world.user("owner"), quiet_hours_start=None, quiet_hours_end=None)
    for name in ("Вера", "Олег"):
        create_guest(
            access=None,
            phone=f"+7999{secrets.randbelow(10**7):07d}",
            first_name=name,
            email=f"{tag}.{secrets.token_hex(3)}@example.com",
            tags=[tag],
            consents={"email": True},
        )


def _clean_up(world: Any) -> None:
    from campaigns.models import Campaign, Segment
    from messaging.models import Message
    from messaging.services import update_messaging_settings

    for campaign in Campaign.objects.filter(name=CAMPAIGN):
        message_ids = list(campaign.recipients.exclude(message=None).values_list("message_id", flat=True))
        campaign.delete()
        Message.objects.filter(pk__in=message_ids).delete()
    Segment.objects.filter(name=SEGMENT).delete()
    update_messaging_settings(
        actor=world.user("owner"), quiet_hours_start=datetime.time(21, 0), quiet_hours_end=datetime.time(9, 0)
    )


def _sent_to_treated(world: Any) -> tuple[int, int]:
    from campaigns.models import Campaign

    campaign = Campaign.objects.get(name=CAMPAIGN)
    treated = campaign.recipients.filter(group="treated")
    return treated.count(), treated.exclude(message=None).count()


def test_an_owner_writes_sends_and_reads_a_campaign(worlds: Any, live_site: Any, page: Any) -> None:
    world = worlds["alpha"]
    tag = f"browser-{secrets.token_hex(4)}"
    _in_alpha(world, lambda: _guests_and_quiet_hours(world, tag))
    page.goto(chain_url(live_site, world.host, "/accounts/login/"))
    page.fill("input[name=email]", "owner@alpha.test")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")
    try:
        page.goto(chain_url(live_site, world.host, "/segments/new/"))
        page.fill("input[name=tags]", tag)
        wait_until(page, "document.querySelector('[data-testid=preview-count]').textContent.trim() === '2'")
        page.fill("input[name=name]", SEGMENT)
        page.click("button[type=submit].primary")
        page.wait_for_url("**/segments/*/")

        page.goto(chain_url(live_site, world.host, "/campaigns/new/"))
        page.fill("input[name=name]", CAMPAIGN)
        page.select_option("select[name=segment]", label=SEGMENT)
        page.uncheck("input[name=channels][value=telegram]")
        page.uncheck("input[name=channels][value=sms]")
        page.fill("input[name=email_subject]", "{{ first_name }}, у нас осеннее меню")
        page.fill("textarea[name=email_text]", "Здравствуйте, {{ first_name }}! Ждём вас на ужин.")
        wait_until(
            page, "document.querySelector('[data-testid=campaign-preview]').textContent.includes('Здравствуйте, Анна!')"
        )
        page.fill("input[name=holdout_percent]", "0")  # two guests: both treated, so both emails are counted
        screenshot(page, "campaign-form-preview")
        page.click("button[type=submit].primary")
        page.wait_for_url("**/campaigns/*/")

        page.click("[data-testid=campaign-send]")
        page.wait_for_selector("[data-testid=results-window]")
        treated, sent = _in_alpha(world, lambda: _sent_to_treated(world))
        assert treated == sent == 2
        assert page.inner_text("[data-testid=progress-treated]").strip() == str(treated)
        assert "7" in page.inner_text("[data-testid=campaign-results]")
        screenshot(page, "campaign-results")
    finally:
        _in_alpha(world, lambda: _clean_up(world))
