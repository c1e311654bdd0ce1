"""Every API refusal has one shape, {"error": {"code", "message", "fields"}}; the API is throttled and documented."""

import pytest
from django.test import override_settings

from accounts.api.views import AuthMeApi
from tests.fixtures import api_as, api_on


def _assert_uniform(response, status, code):
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_validation_error_names_each_field(alpha):
    error = _assert_uniform(
        api_on(alpha.host).post("/api/v1/auth/login", {"email": "nope"}, format="json"), 400, "validation_failed"
    )
    assert set(error["fields"]) == {"email", "password"}


def test_malformed_json_is_a_400(alpha):
    response = api_on(alpha.host).post("/api/v1/auth/login", "{not json", content_type="application/json")
    _assert_uniform(response, 400, "malformed_json")  # the same code as the webhook intake's


def test_missing_token_is_401(alpha):
    _assert_uniform(api_on(alpha.host).get("/api/v1/auth/me"), 401, "not_authenticated")


def test_unknown_api_path_is_json_404(alpha):
    _assert_uniform(api_on(alpha.host).get("/api/v1/no-such-thing"), 404, "not_found")


def test_wrong_method_is_405(alpha):
    _assert_uniform(api_on(alpha.host).get("/api/v1/auth/login"), 405, "method_not_allowed")


def test_unexpected_error_is_json_500_without_internals(alpha, monkeypatch):
    def explode(self, request):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(AuthMeApi, "get", explode)
    client = api_as(alpha, "owner")
    client.raise_request_exception = False
    response = client.get("/api/v1/auth/me")
    error = _assert_uniform(response, 500, "server_error")
    assert "hunter2" not in response.content.decode()
    assert "X-Request-ID" in error["message"]


@pytest.mark.parametrize("limit", [3])
def test_api_is_throttled_per_user_with_retry_hint(alpha, settings, limit):
    rates = {"user": f"{limit}/min", "anon": "1000/min"}
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        client = api_as(alpha, "owner")
        statuses = [client.get("/api/v1/auth/me").status_code for _ in range(limit + 1)]
        assert statuses == [200] * limit + [429]
        error = _assert_uniform(client.get("/api/v1/auth/me"), 429, "throttled")
        assert error["retry_after_seconds"] > 0
        assert api_as(alpha, "admin").get("/api/v1/auth/me").status_code == 200  # another user has their own budget


def test_default_throttle_is_100_per_minute():
    from maxloyalty.settings import base

    assert base.API_THROTTLE_RATE == "100/min"
    assert base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] == {"user": "100/min", "anon": "100/min"}


def test_openapi_schema_and_swagger_ui_are_served(alpha):
    schema = api_on(alpha.host).get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert "/api/v1/auth/login" in schema.json()["paths"]
    docs = api_on(alpha.host).get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
