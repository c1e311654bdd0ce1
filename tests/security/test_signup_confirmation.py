"""Attacks on sign-up: no schema, account or membership before the owner's email is confirmed; confirmation links
cannot be forged, reused or used late; one address cannot flood sign-ups; lapsed sign-ups are purged and free their
address; signing up with someone else's email gains nothing. Each with the rightful sign-up still working."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import schema_exists

from accounts.models import Membership, User
from tenants.models import Chain, PendingSignup
from tenants.tasks import purge_expired_signups
from tests.fixtures import PASSWORD, client_on

ATTACKER = "203.0.113.66"
OWNER_DESK = "198.51.100.7"
GOOD = {
    "name": "Pelmeni Bros",
    "slug": "pelmeni-bros",
    "owner_name": "Ivan",
    "email": "ivan@pelmeni.test",
    "password": "strong-Passw0rd-42",
    "time_zone": "Europe/Moscow",
    "currency": "RUB",
    "default_language": "ru",
}


@pytest.fixture
def sign_up(platform_host, mailoutbox, django_capture_on_commit_callbacks):
    """Post the sign-up form from an address; the answer, and the confirmation link's path if a mail left."""

    def post(address: str = OWNER_DESK, browser=None, **changes):
        browser = browser or client_on(platform_host)
        sent_before = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            response = browser.post("/signup/", {**GOOD, **changes}, REMOTE_ADDR=address)
        link = _link(mailoutbox[-1]) if len(mailoutbox) > sent_before else None
        return response, link

    return post


def _link(mail) -> str:
    return re.search(r"https?://\S+(/signup/confirm/\?token=\S+)", mail.body).group(1)


def _nothing_created(slug: str = "pelmeni-bros", email: str = "ivan@pelmeni.test") -> bool:
    return (
        not Chain.objects.filter(slug=slug).exists()
        and not schema_exists(slug.replace("-", "_"))
        and not User.objects.filter(email=email).exists()
    )


def _confirm(platform_host: str, link: str, password: str = GOOD["password"], address: str = OWNER_DESK):
    return client_on(platform_host).post(link, {"password": password}, REMOTE_ADDR=address)


def test_signing_up_creates_no_schema_account_or_membership_until_the_link_is_confirmed(
    db, platform_host, sign_up, mailoutbox
):
    response, link = sign_up()
    assert response.status_code == 302
    assert response["Location"] == "/signup/sent/"
    assert _nothing_created()
    assert mailoutbox[0].to == ["ivan@pelmeni.test"]
    stored = PendingSignup.objects.get(slug="pelmeni-bros").password_hash
    assert stored  # a hash, never the password itself
    assert GOOD["password"] not in stored
    assert GOOD["password"] not in mailoutbox[0].body
    confirmed = _confirm(platform_host, link)
    assert confirmed.status_code == 302
    assert "/accounts/handoff/?token=" in confirmed["Location"]
    owner = User.objects.get(email="ivan@pelmeni.test")
    assert Membership.objects.get(user=owner, chain__slug="pelmeni-bros").role == "owner"
    assert schema_exists("pelmeni_bros")


def test_the_confirmation_link_works_only_once(db, platform_host, sign_up):
    _response, link = sign_up()
    assert _confirm(platform_host, link).status_code == 302
    again = _confirm(platform_host, link)
    assert again.status_code == 410
    assert "already confirmed" in again.content.decode()
    assert Chain.objects.filter(slug="pelmeni-bros").count() == 1
    assert Membership.objects.filter(user__email="ivan@pelmeni.test").count() == 1


def test_an_expired_link_is_refused_with_a_readable_page_and_creates_nothing(db, platform_host, sign_up):
    _response, link = sign_up()
    PendingSignup.objects.update(expires_at=timezone.now() - timedelta(seconds=1))  # 48 hours later
    page = client_on(platform_host).get(link)
    assert page.status_code == 410
    assert "expired" in page.content.decode()
    assert _confirm(platform_host, link).status_code == 410
    assert _nothing_created()


@pytest.mark.parametrize("token", ["forged-token", "A" * 43, "%00"])
def test_a_forged_link_is_refused_and_creates_nothing(db, platform_host, sign_up, token):
    _response, link = sign_up()
    forged = f"/signup/confirm/?token={token}"
    assert client_on(platform_host).get(forged).status_code == 404
    assert _confirm(platform_host, forged).status_code == 404
    assert _nothing_created()
    assert _confirm(platform_host, link).status_code == 302  # the real link still works


def test_a_resent_link_replaces_the_old_one_and_resending_is_rate_limited(
    db, platform_host, sign_up, mailoutbox, django_capture_on_commit_callbacks
):
    browser = client_on(platform_host)
    _response, first = sign_up(browser=browser)
    with django_capture_on_commit_callbacks(execute=True):
        too_soon = browser.post("/signup/sent/resend/", REMOTE_ADDR=OWNER_DESK)
    assert too_soon.status_code == 429
    assert len(mailoutbox) == 1
    PendingSignup.objects.update(last_sent_at=timezone.now() - timedelta(minutes=2))
    expires_at = PendingSignup.objects.get().expires_at
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post("/signup/sent/resend/", REMOTE_ADDR=OWNER_DESK).status_code == 302
    second = _link(mailoutbox[-1])
    assert second != first
    assert PendingSignup.objects.get().expires_at == expires_at  # a resend never extends the reservation
    assert _confirm(platform_host, first).status_code == 404
    assert _nothing_created()
    assert _confirm(platform_host, second).status_code == 302


@override_settings(SIGNUP_LIMIT_PER_ADDRESS=4, SIGNUP_OPEN_PER_ADDRESS=100)
def test_a_flood_of_signups_from_one_address_is_limited_per_hour(db, platform_host, sign_up, mailoutbox):
    for number in range(4):
        assert sign_up(ATTACKER, slug=f"flood-{number}", email=f"f{number}@flood.test")[0].status_code == 302
    refused, link = sign_up(ATTACKER, slug="flood-9", email="f9@flood.test")
    assert refused.status_code == 429
    assert link is None
    assert not PendingSignup.objects.filter(slug="flood-9").exists()
    assert PendingSignup.objects.count() == 4
    assert len(mailoutbox) == 4
    assert sign_up(OWNER_DESK)[0].status_code == 302  # someone else is not held back


@override_settings(SIGNUP_OPEN_PER_ADDRESS=3)
def test_one_address_holds_only_a_few_unconfirmed_signups(db, platform_host, sign_up):
    for number in range(3):
        assert sign_up(ATTACKER, slug=f"squat-{number}", email=f"s{number}@squat.test")[0].status_code == 302
    refused, _link_sent = sign_up(ATTACKER, slug="squat-9", email="s9@squat.test")
    assert refused.status_code == 429
    assert not PendingSignup.objects.filter(slug="squat-9").exists()


def test_one_email_receives_only_a_few_confirmation_mails_per_hour(db, platform_host, sign_up, mailoutbox, settings):
    for number in range(settings.SIGNUP_LIMIT_PER_EMAIL):
        assert sign_up(f"192.0.2.{number}", slug=f"mail-{number}")[0].status_code == 302
    refused, link = sign_up("192.0.2.99", slug="mail-99")
    assert refused.status_code == 429
    assert link is None
    assert len(mailoutbox) == settings.SIGNUP_LIMIT_PER_EMAIL


def test_an_unconfirmed_signup_reserves_its_address_until_the_purge_frees_it(db, platform_host, sign_up):
    sign_up(ATTACKER, email="squatter@evil.test")
    taken, _link_sent = sign_up(OWNER_DESK)
    assert taken.status_code == 422
    assert "already taken" in taken.content.decode()
    PendingSignup.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert purge_expired_signups() == 1
    assert not PendingSignup.objects.exists()
    assert _nothing_created(email="squatter@evil.test")
    response, link = sign_up(OWNER_DESK)
    assert response.status_code == 302
    assert _confirm(platform_host, link).status_code == 302


def test_the_purge_keeps_signups_whose_link_is_still_valid(db, platform_host, sign_up):
    sign_up()
    assert purge_expired_signups() == 0
    assert PendingSignup.objects.filter(slug="pelmeni-bros").exists()


def test_signing_up_with_an_existing_accounts_email_needs_its_password_and_sends_nothing_without_it(
    worlds, db, platform_host, sign_up, mailoutbox
):
    refused, link = sign_up(ATTACKER, email="owner@beta.test", password="guessed-Passw0rd-1")
    assert refused.status_code == 422
    assert link is None
    assert not PendingSignup.objects.exists()
    assert not Chain.objects.filter(slug="pelmeni-bros").exists()
    assert mailoutbox == []


def test_the_right_password_alone_does_not_open_a_chain_for_an_existing_account(worlds, db, platform_host, sign_up):
    response, link = sign_up(ATTACKER, email="owner@beta.test", password=PASSWORD)
    assert response.status_code == 302  # the password was right, but only the mailbox gets the link
    assert "handoff" not in response["Location"]
    assert not Chain.objects.filter(slug="pelmeni-bros").exists()
    assert Membership.objects.filter(user__email="owner@beta.test").count() == 1
    assert _confirm(platform_host, link, password="wrong-Passw0rd-1").status_code == 422
    assert not Chain.objects.filter(slug="pelmeni-bros").exists()
    assert _confirm(platform_host, link, password=PASSWORD).status_code == 302  # the owner, from the mailbox
    assert Membership.objects.filter(user__email="owner@beta.test").count() == 2


def test_someone_signing_up_with_a_strangers_email_cannot_make_the_stranger_an_account_they_control(
    db, platform_host, sign_up
):
    _response, link = sign_up(ATTACKER, email="victim@mail.test", password="attacker-Passw0rd-1")
    # The attacker has no link; the victim has the link but not the attacker's password.
    refused = _confirm(platform_host, link, password="victims-own-Passw0rd-2")
    assert refused.status_code == 422
    assert "not the password chosen at sign-up" in refused.content.decode()
    assert _nothing_created(email="victim@mail.test")
    for _ in range(4):
        _confirm(platform_host, link, password="another-guess-Passw0rd")
    assert _confirm(platform_host, link, password="attacker-Passw0rd-1").status_code == 410  # void after 5 misses
    assert _nothing_created(email="victim@mail.test")
    assert sign_up(OWNER_DESK, email="someone@else.test")[0].status_code == 302  # and the address is free again


def test_a_request_without_a_usable_client_address_is_answered_not_a_server_error(db, platform_host, sign_up):
    response, link = sign_up("")
    assert response.status_code == 302
    assert PendingSignup.objects.get(slug="pelmeni-bros").client_address is None
    assert link is not None


def test_beat_runs_the_purge_every_hour(settings):
    from maxloyalty.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["signups-purge"]
    assert entry["task"] in app.tasks
    assert entry["task"] == purge_expired_signups.name
