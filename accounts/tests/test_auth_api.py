"""The API's authentication flow: login, me, refresh with rotation, reuse refused, logout, cookie attributes."""

from django.conf import settings

from tests.fixtures import PASSWORD, api_on


def _login(world, role="owner"):
    return api_on(world.host).post(
        "/api/v1/auth/login", {"email": world.user(role).email, "password": PASSWORD}, format="json"
    )


def test_login_returns_tokens_and_sets_httponly_samesite_refresh_cookie(alpha):
    response = _login(alpha)
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh", "token_type"}
    cookie = response.cookies[settings.REFRESH_COOKIE_NAME]
    assert cookie.value == response.json()["refresh"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/api/v1/auth/"


def test_me_names_user_chain_role_and_restaurants(alpha):
    access = _login(alpha, "manager").json()["access"]
    response = api_on(alpha.host).get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {access}")
    body = response.json()
    assert response.status_code == 200
    assert body["email"] == "manager@alpha.test"
    assert body["chain"]["slug"] == "alpha"
    assert body["role"] == "manager"
    assert [restaurant["id"] for restaurant in body["restaurants"]] == [alpha.restaurants[0].id]


def test_refresh_rotates_and_old_refresh_token_is_refused(alpha):
    first = _login(alpha).json()["refresh"]
    client = api_on(alpha.host)
    rotated = client.post("/api/v1/auth/refresh", HTTP_X_REFRESH_TOKEN=first)
    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != first
    reused = client.post("/api/v1/auth/refresh", HTTP_X_REFRESH_TOKEN=first)
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "token_not_valid"


def test_refresh_reads_the_cookie(alpha):
    client = api_on(alpha.host)
    client.post("/api/v1/auth/login", {"email": "owner@alpha.test", "password": PASSWORD}, format="json")
    response = client.post("/api/v1/auth/refresh")
    assert response.status_code == 200
    assert response.json()["access"]


def test_logout_then_refresh_is_refused_and_cookie_cleared(alpha):
    refresh = _login(alpha).json()["refresh"]
    client = api_on(alpha.host)
    logout = client.post("/api/v1/auth/logout", HTTP_X_REFRESH_TOKEN=refresh)
    assert logout.status_code == 204
    assert logout.cookies[settings.REFRESH_COOKIE_NAME].value == ""
    assert client.post("/api/v1/auth/refresh", HTTP_X_REFRESH_TOKEN=refresh).status_code == 401


def test_refresh_without_token_is_a_clear_400(alpha):
    response = api_on(alpha.host).post("/api/v1/auth/refresh")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "refresh_token_missing"


def test_wrong_password_is_401_in_uniform_format(alpha):
    response = api_on(alpha.host).post(
        "/api/v1/auth/login", {"email": "owner@alpha.test", "password": "nope-nope-nope"}, format="json"
    )
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "invalid_credentials", "message": response.json()["error"]["message"], "fields": {}}
    }


def test_me_without_token_is_401(alpha):
    response = api_on(alpha.host).get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
