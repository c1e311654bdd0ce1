"""Sessions: the page listing a user's sessions (end one, end all others, audited), the idle timeout per role, and
sessions ended by a password change or reset."""

from __future__ import annotations

import re
import time

import pytest
from django.conf import settings
from django.test import override_settings

from accounts.models import User
from accounts.user_sessions import LAST_ACTIVITY_KEY, session_handle
from audit.models import AuditEntry
from tests.fixtures import PASSWORD, client_on

TILL_BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
PHONE_BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1"
)


def _signed_in(
    host: str, email: str, *, browser: str = TILL_BROWSER, address: str = "198.51.100.7", password: str = PASSWORD
):
    client = client_on(host)
    client.defaults.update(HTTP_USER_AGENT=browser, REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"email": email, "password": password})
    assert response.status_code == 302
    client.get("/accounts/sessions/")  # one request after sign-in: activity and host are recorded
    return client


def _is_signed_in(client, path: str = "/dashboard/") -> bool:
    response = client.get(path)
    return response.status_code == 200


def _idle_for(client, seconds: int) -> None:
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - seconds
    session.save()


def test_sessions_page_lists_each_session_with_device_address_and_the_current_one_marked(alpha):
    till = _signed_in(alpha.host, "owner@alpha.test")
    _signed_in(alpha.host, "owner@alpha.test", browser=PHONE_BROWSER, address="203.0.113.9")
    _signed_in(alpha.host, "admin@alpha.test", address="192.0.2.44")  # someone else's: not listed
    page = till.get("/accounts/sessions/").content.decode()
    assert page.count('data-testid="session"') == 2
    assert "iPhone" in page
    assert "203.0.113.9" in page
    assert "198.51.100.7" in page
    assert "192.0.2.44" not in page
    assert alpha.host in page
    assert page.count('data-testid="current-session"') == 1
    assert till.session.session_key not in page  # the key is the cookie's secret: sessions are named by a digest


def test_ending_another_session_signs_that_browser_out_and_is_audited(alpha):
    till = _signed_in(alpha.host, "owner@alpha.test")
    phone = _signed_in(alpha.host, "owner@alpha.test", browser=PHONE_BROWSER, address="203.0.113.9")
    response = till.post(f"/accounts/sessions/{session_handle(phone.session.session_key)}/end/")
    assert response.status_code == 302
    assert not _is_signed_in(phone)
    assert _is_signed_in(till)
    assert AuditEntry.objects.filter(action="user.session_ended", actor=alpha.user("owner")).count() == 1


def test_ending_all_other_sessions_keeps_only_this_one(alpha):
    till = _signed_in(alpha.host, "manager@alpha.test")
    others = [_signed_in(alpha.host, "manager@alpha.test", address=f"203.0.113.{n}") for n in (1, 2)]
    till.post("/accounts/sessions/end-others/")
    assert [_is_signed_in(other) for other in others] == [False, False]
    assert _is_signed_in(till)
    entry = AuditEntry.objects.get(action="user.other_sessions_ended", actor=alpha.user("manager"))
    assert entry.data == {"sessions": 2}


def test_nobody_can_end_someone_elses_session(alpha):
    victim = _signed_in(alpha.host, "cashier@alpha.test")
    attacker = _signed_in(alpha.host, "admin@alpha.test", address="203.0.113.66")
    response = attacker.post(f"/accounts/sessions/{session_handle(victim.session.session_key)}/end/", follow=True)
    assert "That session has already ended." in response.content.decode()
    assert _is_signed_in(victim, "/cashier/")
    assert not AuditEntry.objects.filter(action__startswith="user.session").exists()


def test_sessions_page_needs_sign_in(alpha):
    response = client_on(alpha.host).get("/accounts/sessions/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@override_settings(SESSION_IDLE_MINUTES_CASHIER=12 * 60, SESSION_IDLE_MINUTES_MANAGER=60)
def test_a_till_stays_signed_in_through_a_shift_while_a_manager_is_signed_out_after_an_idle_hour(alpha):
    till = _signed_in(alpha.host, "cashier@alpha.test")
    manager = _signed_in(alpha.host, "manager@alpha.test")
    _idle_for(till, 11 * 3600)
    _idle_for(manager, 61 * 60)
    assert _is_signed_in(till, "/cashier/")
    assert not _is_signed_in(manager)
    again = manager.get("/dashboard/", follow=True)
    assert "You were signed out after a period of inactivity" in again.content.decode()


@override_settings(SESSION_IDLE_MINUTES_CASHIER=12 * 60)
def test_a_till_idle_longer_than_its_shift_is_signed_out(alpha):
    till = _signed_in(alpha.host, "cashier@alpha.test")
    _idle_for(till, 12 * 3600 + 60)
    assert not _is_signed_in(till, "/cashier/")


@override_settings(SESSION_IDLE_MINUTES_OWNER=30)
def test_activity_keeps_a_session_alive(alpha):
    owner = _signed_in(alpha.host, "owner@alpha.test")
    _idle_for(owner, 25 * 60)
    assert _is_signed_in(owner)  # this request is activity: the idle clock starts again
    assert time.time() - owner.session[LAST_ACTIVITY_KEY] < 60


@pytest.fixture
def platform_staff(db):
    return User.objects.create_superuser("ops@platform.test", PASSWORD)


@override_settings(SESSION_IDLE_MINUTES_PLATFORM_STAFF=15)
def test_the_platform_admin_times_out_after_a_short_idle(platform_staff):
    admin = client_on(settings.PLATFORM_DOMAIN)
    signed_in = admin.post("/admin/login/", {"username": platform_staff.email, "password": PASSWORD, "next": "/admin/"})
    assert signed_in.status_code == 302
    assert admin.get("/admin/").status_code == 200
    _idle_for(admin, 14 * 60)
    assert admin.get("/admin/").status_code == 200
    _idle_for(admin, 16 * 60)
    assert admin.get("/admin/").status_code == 302  # back to the admin's sign-in


def test_the_admin_shows_no_session_keys(platform_staff):
    admin = client_on(settings.PLATFORM_DOMAIN)
    admin.post("/admin/login/", {"username": platform_staff.email, "password": PASSWORD, "next": "/admin/"})
    assert admin.get("/admin/").status_code == 200
    assert admin.get("/admin/qsessions/session/").status_code == 404
    assert admin.session.session_key not in admin.get("/admin/").content.decode()


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(alpha):
    desk = _signed_in(alpha.host, "admin@alpha.test")
    phone = _signed_in(alpha.host, "admin@alpha.test", browser=PHONE_BROWSER, address="203.0.113.9")
    response = desk.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "brand-new-Passw0rd", "new_password2": "brand-new-Passw0rd"},
        follow=True,
    )
    assert "Your other sessions have been ended." in response.content.decode()
    assert _is_signed_in(desk)
    assert not _is_signed_in(phone)
    assert desk.get("/accounts/sessions/").content.decode().count('data-testid="session"') == 1


def test_a_password_reset_ends_every_session_of_the_account(alpha, mailoutbox):
    stolen = _signed_in(alpha.host, "owner@alpha.test", address="203.0.113.66")
    client = client_on(alpha.host)
    client.post("/accounts/password/reset/", {"email": "owner@alpha.test"})
    link = re.search(r"https?://[^\s]+/accounts/password/reset/[^\s]+/", mailoutbox[-1].body).group(0)
    form_page = client.get(link.split(alpha.host, 1)[1], follow=True)
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "reset-Passw0rd-77", "new_password2": "reset-Passw0rd-77"}
    )
    owner_again = _signed_in(alpha.host, "owner@alpha.test", address="198.51.100.7", password="reset-Passw0rd-77")
    assert owner_again.get("/accounts/sessions/").content.decode().count('data-testid="session"') == 1
    assert not _is_signed_in(stolen)
