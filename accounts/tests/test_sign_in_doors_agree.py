"""The sign-in page and the API login are two doors to one sign-in service (accounts.sign_in): for the same case
they give the same answer (the same refusal and its message, or both let the user in), and a failure at one door
counts at the other."""

from __future__ import annotations

import html

import pytest
from django.test import override_settings

from accounts.models import User
from tests.fixtures import PASSWORD, api_on, client_on

WRONG = "wrong-password-x"


def _page(world, email, password, address):
    client = client_on(world.host)
    response = client.post("/accounts/login/", {"email": email, "password": password}, REMOTE_ADDR=address)
    signed_in = client.session.get("_auth_user_id")
    return response.status_code, html.unescape(response.content.decode()), signed_in


def _api(world, email, password, address):
    response = api_on(world.host).post(
        "/api/v1/auth/login", {"email": email, "password": password}, format="json", REMOTE_ADDR=address
    )
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("owner@alpha.test", WRONG),  # wrong password
        ("nobody@alpha.test", PASSWORD),  # unknown email
        ("owner@beta.test", PASSWORD),  # the right password, no membership in this chain
    ],
    ids=["wrong-password", "unknown-email", "no-membership-here"],
)
def test_both_doors_refuse_with_the_same_message(alpha, beta, email, password):
    page_status, page, signed_in = _page(alpha, email, password, "203.0.113.10")
    api_status, body = _api(alpha, email, password, "203.0.113.11")
    assert (api_status, body["error"]["code"]) == (401, "invalid_credentials")
    assert "access" not in body
    assert page_status == 200
    assert signed_in is None
    assert body["error"]["message"] in page


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_a_lock_made_at_either_door_holds_at_both_with_the_same_message(alpha):
    address = "203.0.113.20"
    _page(alpha, "owner@alpha.test", WRONG, address)
    _api(alpha, "owner@alpha.test", WRONG, address)
    _page(alpha, "owner@alpha.test", WRONG, address)  # the third failure, counted across both doors, locks
    page_status, page, signed_in = _page(alpha, "owner@alpha.test", PASSWORD, address)
    api_status, body = _api(alpha, "owner@alpha.test", PASSWORD, address)
    assert (page_status, signed_in) == (429, None)
    assert (api_status, body["error"]["code"]) == (429, "login_locked")
    assert body["error"]["message"] in page


def test_both_doors_let_a_member_in_and_record_the_sign_in(alpha):
    owner = alpha.user("owner")
    User.objects.filter(pk=owner.pk).update(last_login=None)
    api_status, body = _api(alpha, "owner@alpha.test", PASSWORD, "203.0.113.30")
    assert api_status == 200
    assert body["token_type"] == "Bearer" and body["access"]
    after_api = User.objects.get(pk=owner.pk).last_login
    assert after_api is not None

    page_status, _html, signed_in = _page(alpha, "owner@alpha.test", PASSWORD, "203.0.113.31")
    assert (page_status, signed_in) == (302, str(owner.pk))
    assert User.objects.get(pk=owner.pk).last_login >= after_api
