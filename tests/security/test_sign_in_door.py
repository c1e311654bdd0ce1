"""Attacks on the doors that prove a password (sign-in page, API login, platform admin, sign-up with a taken email):
each is refused by the one sign-in service with the same locks and answers, and the rightful user still gets in."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import override_settings
from django_tenants.utils import schema_context

from accounts.errors import InvalidCredentials, SignInLocked
from accounts.models import User
from accounts.services import grant_membership, obtain_user
from tenants.models import PendingSignup
from tests.fixtures import PASSWORD, api_on, client_on

WRONG = "wrong-password-x"
ATTACKER = "203.0.113.66"
VICTIM_DESK = "198.51.100.7"


def _page_sign_in(host: str, email: str, password: str, address: str = ATTACKER):
    client = client_on(host)
    response = client.post("/accounts/login/", {"email": email, "password": password}, REMOTE_ADDR=address)
    return response, client


def _api_login(host: str, email: str, password: str, address: str = ATTACKER):
    return api_on(host).post(
        "/api/v1/auth/login", {"email": email, "password": password}, format="json", REMOTE_ADDR=address
    )


def _admin_sign_in(email: str, password: str, address: str = ATTACKER):
    client = client_on(settings.PLATFORM_DOMAIN)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": email, "password": password, "next": "/admin/"}, REMOTE_ADDR=address
    )
    return response, client


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_brute_force_on_the_sign_in_page_locks_and_the_right_password_is_then_refused(alpha):
    for _ in range(3):
        _page_sign_in(alpha.host, "owner@alpha.test", WRONG)
    response, client = _page_sign_in(alpha.host, "owner@alpha.test", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    rightful, rightful_client = _page_sign_in(alpha.host, "owner@alpha.test", PASSWORD, address=VICTIM_DESK)
    assert rightful.status_code == 302  # the guesser's address is locked, not the owner's desk
    assert rightful_client.session["_auth_user_id"] == str(alpha.user("owner").pk)


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_brute_force_on_the_api_login_locks_with_429_and_issues_no_token(alpha):
    for _ in range(2):
        assert _api_login(alpha.host, "owner@alpha.test", WRONG).status_code == 401
    assert _api_login(alpha.host, "owner@alpha.test", WRONG).status_code == 429
    locked = _api_login(alpha.host, "owner@alpha.test", PASSWORD)
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "login_locked"
    assert "access" not in locked.json()
    assert _api_login(alpha.host, "owner@alpha.test", PASSWORD, address=VICTIM_DESK).status_code == 200


def test_unknown_email_wrong_password_and_no_membership_answer_identically(alpha, beta):
    answers = [
        _api_login(alpha.host, "nobody@alpha.test", WRONG).json(),
        _api_login(alpha.host, "owner@alpha.test", WRONG).json(),
        _api_login(alpha.host, "owner@beta.test", PASSWORD).json(),  # right password, no role in alpha
    ]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["error"]["code"] == "invalid_credentials"
    pages = [
        _page_sign_in(alpha.host, email, password)[0].content.decode()
        for email, password in (
            ("nobody@alpha.test", WRONG),
            ("owner@alpha.test", WRONG),
            ("owner@beta.test", PASSWORD),
        )
    ]
    message = "Wrong email or password, or no access to this chain."
    assert all(message in page for page in pages)


@override_settings(LOGIN_FAILURE_LIMIT=2)
def test_a_lock_of_one_unknown_email_locks_like_a_real_one(alpha):
    """Counts are keyed by the email typed: a lock tells nothing about whether the account exists."""
    for email in ("owner@alpha.test", "ghost@alpha.test"):
        for _ in range(2):
            _api_login(alpha.host, email, WRONG)
    real, ghost = _api_login(alpha.host, "owner@alpha.test", WRONG), _api_login(alpha.host, "ghost@alpha.test", WRONG)
    assert real.status_code == ghost.status_code == 429
    assert real.json()["error"]["code"] == ghost.json()["error"]["code"] == "login_locked"


@pytest.fixture
def owner_of_both(alpha, beta):
    """Alpha's owner also manages beta (one account, two chains)."""
    owner = alpha.user("owner")
    with schema_context(beta.chain.schema_name):
        grant_membership(user=owner, chain_id=beta.chain.id, role="admin")
    return owner


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_ACCOUNT_FAILURE_LIMIT=4)
def test_a_lock_on_chain_a_does_not_lock_the_account_out_of_chain_b(alpha, beta, owner_of_both):
    for number in range(4):  # many addresses: the account itself is locked on alpha's host
        _page_sign_in(alpha.host, owner_of_both.email, WRONG, address=f"203.0.113.{number + 1}")
    for _ in range(3):  # and the attacker's own address for this account on alpha
        _page_sign_in(alpha.host, owner_of_both.email, WRONG)
    assert _page_sign_in(alpha.host, owner_of_both.email, PASSWORD, address="203.0.113.200")[0].status_code == 429
    on_beta, client = _page_sign_in(beta.host, owner_of_both.email, PASSWORD, address="203.0.113.200")
    assert on_beta.status_code == 302
    assert client.session["_auth_user_id"] == str(owner_of_both.pk)
    assert _api_login(beta.host, owner_of_both.email, PASSWORD).status_code == 200  # even from the guesser's address


@override_settings(LOGIN_ACCOUNT_FAILURE_LIMIT=4)
def test_a_distributed_guess_cannot_lock_staff_out_of_the_place_they_sign_in_from(alpha):
    assert _page_sign_in(alpha.host, "cashier@alpha.test", PASSWORD, address=VICTIM_DESK)[0].status_code == 302
    for number in range(4):
        _page_sign_in(alpha.host, "cashier@alpha.test", WRONG, address=f"203.0.113.{number + 1}")
    from_new_place = _page_sign_in(alpha.host, "cashier@alpha.test", PASSWORD, address="192.0.2.50")[0]
    assert from_new_place.status_code == 429  # the account is locked for strangers' addresses
    at_the_till, client = _page_sign_in(alpha.host, "cashier@alpha.test", PASSWORD, address=VICTIM_DESK)
    assert at_the_till.status_code == 302
    assert client.session["_auth_user_id"] == str(alpha.user("cashier").pk)


def _reset_through_the_emailed_link(host: str, email: str, new_password: str, mailoutbox, address: str) -> int:
    client = client_on(host)
    client.post("/accounts/password/reset/", {"email": email}, REMOTE_ADDR=address)
    link = re.search(r"https?://[^\s]+/accounts/password/reset/[^\s]+/", mailoutbox[-1].body).group(0)
    form_page = client.get(link.split(host, 1)[1], follow=True, REMOTE_ADDR=address)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        REMOTE_ADDR=address,
    )
    return done.status_code


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_ACCOUNT_FAILURE_LIMIT=4)
def test_a_locked_account_gets_back_in_through_the_reset_link_sent_to_its_own_address(alpha, mailoutbox):
    for number in range(4):
        _page_sign_in(alpha.host, "manager@alpha.test", WRONG, address=f"203.0.113.{number + 1}")
    for _ in range(3):
        _page_sign_in(alpha.host, "manager@alpha.test", WRONG, address="192.0.2.50")
    assert _page_sign_in(alpha.host, "manager@alpha.test", PASSWORD, address="192.0.2.50")[0].status_code == 429
    assert (
        _reset_through_the_emailed_link(alpha.host, "manager@alpha.test", "fresh-Passw0rd-31", mailoutbox, "192.0.2.50")
        == 302
    )
    back_in, client = _page_sign_in(alpha.host, "manager@alpha.test", "fresh-Passw0rd-31", address="192.0.2.50")
    assert back_in.status_code == 302
    assert client.session["_auth_user_id"] == str(alpha.user("manager").pk)
    assert (
        _page_sign_in(alpha.host, "manager@alpha.test", "fresh-Passw0rd-31", address="192.0.2.99")[0].status_code == 302
    )


@override_settings(PASSWORD_RESET_LIMIT_PER_ADDRESS=3, PASSWORD_RESET_LIMIT_PER_ACCOUNT=2)
def test_a_flood_of_reset_requests_sends_no_mail_beyond_the_limits_and_the_page_answers_the_same(alpha, mailoutbox):
    client = client_on(alpha.host)
    answers = [
        client.post("/accounts/password/reset/", {"email": "cashier@alpha.test"}, REMOTE_ADDR=f"192.0.2.{number}")
        for number in range(1, 6)
    ]
    assert len(mailoutbox) == 2  # per account, whatever the address
    assert {(answer.status_code, answer["Location"]) for answer in answers} == {(302, "/accounts/password/reset/sent/")}
    for email in ("owner@alpha.test", "admin@alpha.test", "manager@alpha.test", "owner@alpha.test"):
        client.post("/accounts/password/reset/", {"email": email}, REMOTE_ADDR=ATTACKER)
    assert len(mailoutbox) == 2 + 3  # per address: the fourth from the same address goes nowhere
    assert {message.to[0] for message in mailoutbox[2:]} == {
        "owner@alpha.test",
        "admin@alpha.test",
        "manager@alpha.test",
    }


def test_sign_up_with_a_taken_email_and_wrong_password_is_refused_and_creates_nothing(alpha):
    users_before = User.objects.count()
    with pytest.raises(InvalidCredentials) as refusal:
        obtain_user(email="Owner@Alpha.test", password=WRONG, client_address=ATTACKER, full_name="Mallory")
    assert refusal.value.fields == {"password": ["Wrong email or password, or no access to this chain."]}
    assert User.objects.count() == users_before
    assert User.objects.get(email="owner@alpha.test").full_name != "Mallory"
    assert obtain_user(email="owner@alpha.test", password=PASSWORD, client_address=VICTIM_DESK) == alpha.user("owner")
    fresh = obtain_user(email="new-owner@example.test", password="a-Strong-passw0rd", client_address=VICTIM_DESK)
    assert fresh.pk is not None


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_sign_up_guesses_are_limited_and_the_right_password_under_lock_is_refused(alpha):
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            obtain_user(email="owner@alpha.test", password=WRONG, client_address=ATTACKER)
    with pytest.raises(SignInLocked):
        obtain_user(email="owner@alpha.test", password=WRONG, client_address=ATTACKER)
    with pytest.raises(SignInLocked) as locked:
        obtain_user(email="owner@alpha.test", password=PASSWORD, client_address=ATTACKER)
    assert locked.value.status == 429
    # the same lock holds at the platform host's sign-in page (same scope, same count)
    assert _page_sign_in(settings.PLATFORM_DOMAIN, "owner@alpha.test", PASSWORD)[0].status_code == 429


SIGN_UP = {
    "name": "Copycat Cafe",
    "slug": "copycat-cafe",
    "owner_name": "Mallory",
    "time_zone": "Europe/Moscow",
    "currency": "RUB",
    "default_language": "ru",
}


def _sign_up_page(email: str, password: str, address: str = ATTACKER):
    return client_on(settings.PLATFORM_DOMAIN).post(
        "/signup/", {**SIGN_UP, "email": email, "password": password}, REMOTE_ADDR=address
    )


@override_settings(LOGIN_FAILURE_LIMIT=3, SIGNUP_LIMIT_PER_EMAIL=100, SIGNUP_LIMIT_PER_ADDRESS=100)
def test_the_sign_up_page_with_a_taken_email_guesses_under_the_same_lock_and_reserves_nothing(alpha, mailoutbox):
    answers = [_sign_up_page("owner@alpha.test", WRONG) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [422, 422, 429]
    assert "Wrong email or password, or no access to this chain." in answers[0].content.decode()
    assert "already" not in answers[0].content.decode()  # neutral: no "this email is registered"
    right_under_lock = _sign_up_page("owner@alpha.test", PASSWORD)
    assert right_under_lock.status_code == 429
    assert not PendingSignup.objects.filter(slug="copycat-cafe").exists()
    assert mailoutbox == []
    assert _sign_up_page("owner@alpha.test", PASSWORD, address=VICTIM_DESK).status_code == 302  # the owner may


@pytest.fixture
def platform_staff(db):
    return User.objects.create_superuser("ops@platform.test", PASSWORD)


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_admin_sign_in_locks_after_repeated_failures(platform_staff):
    for _ in range(3):
        _wrong, client = _admin_sign_in(platform_staff.email, WRONG)
        assert "_auth_user_id" not in client.session
    locked, client = _admin_sign_in(platform_staff.email, PASSWORD)
    assert locked.status_code == 429  # as the sign-in page and the API answer a lock
    assert "Too many failed attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    rightful, rightful_client = _admin_sign_in(platform_staff.email, PASSWORD, address=VICTIM_DESK)
    assert rightful.status_code == 302
    assert rightful_client.session["_auth_user_id"] == str(platform_staff.pk)


def test_admin_refuses_chain_staff_with_the_same_answer_as_a_wrong_password(alpha, platform_staff):
    not_staff, client = _admin_sign_in("owner@alpha.test", PASSWORD)
    wrong, _client = _admin_sign_in(platform_staff.email, WRONG)
    message = "Wrong email or password, or no access to this chain."
    assert message in not_staff.content.decode()
    assert message in wrong.content.decode()
    assert "_auth_user_id" not in client.session
