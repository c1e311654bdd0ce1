"""The campaign pages, as an owner uses them: the preview fills a text with a sample guest's values, the form saves
a draft (and names a refused variable readably), the list shows it, sending from its page shows the progress and
the results; staff who may not use segments are refused."""

from __future__ import annotations

import pytest

from campaigns.models import Campaign
from tests.fixtures import signed_in_client

HTMX = {"HTTP_HX_REQUEST": "true"}


def _form(segment_id: int, **fields) -> dict:
    return {
        "name": "Осеннее меню",
        "segment": segment_id,
        "channels": ["email"],
        "email_subject": "{{ first_name }}, новое меню",
        "email_text": "Здравствуйте, {{ first_name }}!",
        "bonus_points": 0,
        "holdout_percent": 10,
        **fields,
    }


def test_the_preview_fills_the_texts_with_a_sample_guest(campaign_world) -> None:
    answer = signed_in_client(campaign_world.alpha, "owner").get(
        "/campaigns/preview/", {"email_text": "Hello {{ first_name }}, use {{ promo_code }}"}, **HTMX
    )

    assert answer.status_code == 200
    assert "Hello Анна, use SPRING25" in answer.content.decode()


def test_an_owner_writes_sends_and_reads_a_campaign(campaign_world) -> None:
    campaign_world.guests(3)
    segment = campaign_world.segment()
    client = signed_in_client(campaign_world.alpha, "owner")

    created = client.post("/campaigns/new/", _form(segment.pk))
    campaign = Campaign.objects.get()
    assert created.status_code == 302
    assert "Осеннее меню" in client.get("/campaigns/").content.decode()
    with campaign_world.run(execute=True):
        sent = client.post(f"/campaigns/{campaign.pk}/send/")
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()

    assert sent.status_code == 302
    assert 'data-testid="campaign-status">Sent<' in page
    assert 'data-testid="results-window"' in page
    assert len(campaign_world.email.requests) == Campaign.objects.get().recipients.filter(group="treated").count()


def test_an_unknown_variable_is_shown_on_its_field(campaign_world) -> None:
    segment = campaign_world.segment()

    answer = signed_in_client(campaign_world.alpha, "owner").post(
        "/campaigns/new/", _form(segment.pk, email_text="Hi {{ nickname }}")
    )

    assert answer.status_code == 422
    assert "Unknown variables: nickname" in answer.content.decode()
    assert not Campaign.objects.exists()


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_staff_without_segments_are_refused(campaign_world, role: str) -> None:
    campaign = campaign_world.campaign(campaign_world.segment())
    client = signed_in_client(campaign_world.alpha, role)

    assert client.get("/campaigns/").status_code == 403
    assert client.get(f"/campaigns/{campaign.pk}/").status_code == 403
    assert client.post(f"/campaigns/{campaign.pk}/send/").status_code == 403
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"


def test_the_progress_is_polled_while_sending_and_stops_once_sent(campaign_world) -> None:
    from campaigns.services import send_campaign

    campaign_world.guests(2)
    campaign = campaign_world.campaign(campaign_world.segment(), holdout_percent=0)
    send_campaign(access=campaign_world.owner, campaign=campaign)  # its batch task not run yet
    client = signed_in_client(campaign_world.alpha, "owner")

    sending = client.get(f"/campaigns/{campaign.pk}/progress/", **HTMX).content.decode()
    campaign_world.send_batches(campaign)
    sent = client.get(f"/campaigns/{campaign.pk}/progress/", **HTMX).content.decode()

    assert 'hx-trigger="every 2s"' in sending
    assert 'hx-trigger="every 2s"' not in sent
    assert '<td data-testid="progress-sent">2</td>' in sent
