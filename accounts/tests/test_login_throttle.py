"""Repeated failed sign-ins lock the account (and a guessing address) for a while, with a clear message."""

from django.test import override_settings

from tests.fixtures import PASSWORD, api_on, client_on


def _fail(client, email="owner@alpha.test"):
    return client.post("/accounts/login/", {"email": email, "password": "wrong-password-x"})


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_LOCK_MINUTES=7)
def test_account_is_locked_after_repeated_failures_even_for_the_right_password(alpha):
    client = client_on(alpha.host)
    for _ in range(2):
        assert _fail(client).status_code == 200
    locked = _fail(client)
    assert locked.status_code == 429
    assert "locked for 7 minutes." in locked.content.decode()
    right = client.post("/accounts/login/", {"email": "owner@alpha.test", "password": PASSWORD})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_lock_applies_to_the_api_login_too(alpha):
    client = client_on(alpha.host)
    for _ in range(3):
        _fail(client)
    response = api_on(alpha.host).post(
        "/api/v1/auth/login", {"email": "owner@alpha.test", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "login_locked"
    assert response.json()["error"]["retry_after_seconds"] > 0


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_other_accounts_are_not_locked_by_someone_elses_failures(alpha):
    client = client_on(alpha.host)
    for _ in range(3):
        _fail(client)
    response = client_on(alpha.host).post("/accounts/login/", {"email": "admin@alpha.test", "password": PASSWORD})
    assert response.status_code == 302


@override_settings(LOGIN_FAILURE_LIMIT=2, LOGIN_ADDRESS_FAILURE_LIMIT=8)
def test_one_address_guessing_many_accounts_is_locked(alpha):
    client = client_on(alpha.host)
    for number in range(8):  # the address's limit, spread over accounts that never lock themselves
        _fail(client, email=f"guess{number}@alpha.test")
    response = client.post("/accounts/login/", {"email": "admin@alpha.test", "password": PASSWORD})
    assert response.status_code == 429


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_successful_sign_in_resets_the_failure_count(alpha):
    client = client_on(alpha.host)
    _fail(client)
    _fail(client)
    assert client.post("/accounts/login/", {"email": "owner@alpha.test", "password": PASSWORD}).status_code == 302
    fresh = client_on(alpha.host)
    _fail(fresh)
    _fail(fresh)
    assert fresh.post("/accounts/login/", {"email": "owner@alpha.test", "password": PASSWORD}).status_code == 302
