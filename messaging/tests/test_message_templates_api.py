"""GET/PUT /api/v1/message-templates/{kind}/{language}: the default until the chain writes its own, an unknown
variable refused with the uniform 422 naming the field, owners and admins only, each chain its own templates."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from messaging.models import MessageTemplate
from tests.fixtures import api_as

URL = "/api/v1/message-templates/receipt/ru"


def test_get_returns_the_default_until_the_chain_writes_its_own(alpha):
    api = api_as(alpha, "owner")

    before = api.get(URL).json()
    saved = api.put(URL, {"sms_text": "+{{ earned_points }}"}, format="json")
    after = api.get(URL).json()

    assert before["is_custom"] is False and "{{ earned_points }}" in before["sms_text"]
    assert "earned_points" in before["variables"]
    assert saved.status_code == 200
    assert after["is_custom"] is True and after["sms_text"] == "+{{ earned_points }}"
    assert after["telegram_text"] == before["telegram_text"]


def test_an_unknown_variable_is_a_422_naming_the_field(alpha):
    response = api_as(alpha, "admin").put(URL, {"telegram_text": "{{ new_level }}"}, format="json")

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed" and list(error["fields"]) == ["telegram_text"]
    with schema_context(alpha.chain.schema_name):
        assert not MessageTemplate.objects.exists()


def test_an_unknown_kind_or_language_is_a_404(alpha):
    api = api_as(alpha, "owner")

    assert api.get("/api/v1/message-templates/promo/ru").status_code == 404
    assert api.put("/api/v1/message-templates/receipt/de", {}, format="json").json()["error"]["code"] == (
        "unknown_template"
    )


@pytest.mark.parametrize("role", ["manager", "cashier"])
def test_other_roles_get_403(alpha, role):
    api = api_as(alpha, role)

    assert api.get(URL).status_code == 403
    assert api.put(URL, {"sms_text": "x"}, format="json").status_code == 403


def test_each_chain_sees_only_its_own_templates(alpha, beta):
    api_as(alpha, "owner").put(URL, {"sms_text": "Alpha {{ points }}"}, format="json")

    in_beta = api_as(beta, "owner").get(URL).json()
    beta_token_on_alpha = api_as(beta, "owner")
    beta_token_on_alpha.defaults["HTTP_HOST"] = alpha.host

    assert in_beta["is_custom"] is False and "Alpha" not in in_beta["sms_text"]
    assert beta_token_on_alpha.get(URL).status_code in (401, 403)
    assert beta_token_on_alpha.put(URL, {"sms_text": "Beta"}, format="json").status_code in (401, 403)
    with schema_context(alpha.chain.schema_name):
        assert MessageTemplate.objects.get(kind="receipt", language="ru").sms_text == "Alpha {{ points }}"
