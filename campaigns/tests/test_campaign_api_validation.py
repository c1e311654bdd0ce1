"""The campaigns API refuses bad input in the uniform error body and saves nothing: a 400 for a wrong shape, a 422
naming each refused text (unknown variables, a channel without its text), a 404 for an unknown segment, a 409 for
changing or sending a campaign that is already out."""

from __future__ import annotations

from campaigns.models import Campaign
from tests.fixtures import api_as


def _error(answer) -> dict:
    return {"status": answer.status_code, **answer.json()["error"]}


def test_a_wrong_shape_is_a_400(campaign_world) -> None:
    answer = api_as(campaign_world.alpha, "owner").post(
        "/api/v1/campaigns", {"name": "X", "segment": "one", "channels": ["fax"], "holdout_percent": 95}, format="json"
    )

    error = _error(answer)
    assert error["status"] == 400
    assert {"segment", "channels", "holdout_percent"} <= set(error["fields"])
    assert not Campaign.objects.exists()


def test_unknown_variables_and_missing_texts_are_a_422_naming_each(campaign_world) -> None:
    segment = campaign_world.segment()
    body = {
        "name": "Spring",
        "segment": segment.pk,
        "channels": ["email", "sms", "telegram"],
        "email_subject": "Hi {{ nickname }}",
        "email_text": "Your code {{ promo_code }}",
        "sms_text": "",
        "telegram_text": "{% if x %}hi{% endif %}",
    }

    error = _error(api_as(campaign_world.alpha, "owner").post("/api/v1/campaigns", body, format="json"))

    assert error["status"] == 422
    assert set(error["fields"]) == {"email_subject", "sms_text", "telegram_text"}
    assert "nickname" in error["fields"]["email_subject"][0]
    assert not Campaign.objects.exists()


def test_an_unknown_segment_is_a_404(campaign_world) -> None:
    body = {"name": "X", "segment": 999_999, "channels": ["sms"], "sms_text": "Hi"}

    assert _error(api_as(campaign_world.alpha, "owner").post("/api/v1/campaigns", body, format="json"))["status"] == 404


def test_a_sent_campaign_is_not_changed_or_sent_again(campaign_world) -> None:
    campaign_world.guests(1)
    campaign = campaign_world.send(campaign_world.campaign(campaign_world.segment()))
    api = api_as(campaign_world.alpha, "owner")

    changed = api.patch(f"/api/v1/campaigns/{campaign.pk}", {"name": "Again"}, format="json")
    resent = api.post(f"/api/v1/campaigns/{campaign.pk}/send")

    assert (_error(changed)["status"], _error(changed)["code"]) == (409, "campaign_not_editable")
    assert _error(resent)["status"] == 409
    assert Campaign.objects.get(pk=campaign.pk).name == "Autumn menu"


def test_a_segment_a_campaign_uses_is_not_deleted(campaign_world) -> None:
    segment = campaign_world.segment()
    campaign_world.campaign(segment)

    answer = api_as(campaign_world.alpha, "owner").delete(f"/api/v1/segments/{segment.pk}")

    assert (_error(answer)["status"], _error(answer)["code"]) == (409, "segment_in_use")
    assert Campaign.objects.filter(segment=segment).exists()
