"""A campaign's results count the opens and clicks the email provider reports for its treated guests' emails, on
the page and in the API; a campaign sent through a channel that reports none (Telegram) shows "—", not zero."""

from __future__ import annotations

from campaigns.models import RecipientGroup
from campaigns.results import campaign_results
from messaging.tests.webhook_payloads import post_sendgrid, sendgrid_event
from telegram_bot.tests.conftest import _fake_telegram_server, alpha_bot, linked_guest, telegram_api  # noqa: F401
from tests.fixtures import signed_in_client


def _treated_messages(campaign):
    recipients = campaign.recipients.filter(group=RecipientGroup.TREATED).select_related("message")
    return [recipient.message for recipient in recipients.order_by("guest_id")]


def test_opens_and_clicks_of_the_campaigns_emails_are_counted(campaign_world) -> None:
    campaign_world.guests(10)
    campaign = campaign_world.send(campaign_world.campaign(campaign_world.segment(), holdout_percent=0))
    first, second, third, *_rest = _treated_messages(campaign)
    host = campaign_world.alpha.host

    post_sendgrid(host, [sendgrid_event("open", message=first, chain="alpha")])
    post_sendgrid(host, [sendgrid_event("open", message=first, chain="alpha")])  # a second open counts once
    post_sendgrid(host, [sendgrid_event("click", message=second, chain="alpha", url="https://alpha.example/")])
    post_sendgrid(host, [sendgrid_event("delivered", message=third, chain="alpha")])

    messages = campaign_results(campaign).messages
    page = signed_in_client(campaign_world.alpha, "owner").get(f"/campaigns/{campaign.pk}/").content.decode()
    api = signed_in_client(campaign_world.alpha, "owner").get(f"/api/v1/campaigns/{campaign.pk}/results")

    assert (messages.emails, messages.opened, messages.clicked, messages.delivered) == (10, 2, 1, 1)
    assert 'data-testid="results-opened">opened 2<' in page
    assert 'data-testid="results-clicked">clicked 1<' in page
    assert (api.json()["messages"]["opened"], api.json()["messages"]["clicked"]) == (2, 1)


def test_a_campaign_through_telegram_shows_no_opens_or_clicks(campaign_world, alpha_bot, linked_guest) -> None:  # noqa: F811
    for number in range(3):
        linked_guest(f"+7916555000{number}", chat_id=7000 + number, tags=["bot"])
    campaign = campaign_world.send(
        campaign_world.campaign(
            campaign_world.segment("bot"), channels=["telegram"], telegram_text="Hi {{ first_name }}", holdout_percent=0
        )
    )

    messages = campaign_results(campaign).messages
    page = signed_in_client(campaign_world.alpha, "owner").get(f"/campaigns/{campaign.pk}/").content.decode()

    assert (messages.sent, messages.emails, messages.opened, messages.clicked) == (3, 0, None, None)
    assert 'data-testid="results-opened">opened —<' in page
    assert 'data-testid="results-clicked">clicked —<' in page
