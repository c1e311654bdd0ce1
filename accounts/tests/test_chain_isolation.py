"""A chain never sees another chain's data or users: sign-in, tokens, sessions and schema data, both directions."""

import pytest
from django_tenants.utils import schema_context

from restaurants.models import Restaurant
from tests.fixtures import PASSWORD, api_on, api_token, client_on, signed_in_client


@pytest.mark.parametrize(("home", "other"), [("alpha", "beta"), ("beta", "alpha")])
def test_member_of_one_chain_cannot_sign_in_on_the_other_host(worlds, db, home, other):
    response = client_on(worlds[other].host).post(
        "/accounts/login/", {"email": f"owner@{home}.test", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "no access to this chain" in response.content.decode()
    assert "_auth_user_id" not in response.client.session


@pytest.mark.parametrize(("home", "other"), [("alpha", "beta"), ("beta", "alpha")])
def test_member_of_one_chain_cannot_get_api_tokens_on_the_other_host(worlds, db, home, other):
    response = api_on(worlds[other].host).post(
        "/api/v1/auth/login", {"email": f"admin@{home}.test", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"


@pytest.mark.parametrize(("home", "other"), [("alpha", "beta"), ("beta", "alpha")])
def test_access_token_of_one_chain_is_refused_on_the_other(worlds, db, home, other):
    token = api_token(worlds[home], "owner")
    response = api_on(worlds[other].host).get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_wrong_chain"


def test_refresh_token_of_one_chain_is_refused_on_the_other(worlds, db):
    login = api_on(worlds["alpha"].host).post(
        "/api/v1/auth/login", {"email": "owner@alpha.test", "password": PASSWORD}, format="json"
    )
    response = api_on(worlds["beta"].host).post("/api/v1/auth/refresh", HTTP_X_REFRESH_TOKEN=login.json()["refresh"])
    assert response.status_code == 401


def test_session_of_one_chain_carried_to_the_other_host_is_signed_out(worlds, db):
    client = signed_in_client(worlds["alpha"], "owner")
    response = client.get("/dashboard/", HTTP_HOST=worlds["beta"].host)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("home", "other"), [("alpha", "beta"), ("beta", "alpha")])
def test_rows_written_in_one_schema_are_invisible_from_the_other(worlds, db, home, other):
    with schema_context(worlds[home].chain.schema_name):
        Restaurant.objects.create(name="Secret kitchen")
    with schema_context(worlds[other].chain.schema_name):
        assert not Restaurant.objects.filter(name="Secret kitchen").exists()
    me = api_on(worlds[other].host).get(
        "/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {api_token(worlds[other], 'owner')}"
    )
    assert "Secret kitchen" not in me.content.decode()
