"""Attacks on staff invitations: nobody gains a membership they did not accept; a link is worth nothing on another
chain, for another person, without the account's password, after it was withdrawn, used or expired. Each with the
rightful invitee still getting in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.access import resolve_access
from accounts.models import Membership, StaffInvitation, User
from audit.models import AuditEntry
from tests.fixtures import PASSWORD, client_on, signed_in_client

NEW_PASSWORD = "first-Passw0rd-55"


@pytest.fixture
def invite(alpha, mailoutbox, django_capture_on_commit_callbacks):
    """The owner of alpha invites someone; the accept link's path from the mail."""

    def send(email: str, role: str = "admin", **extra) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_in_client(alpha, "owner").post("/staff/invite/", {"email": email, "role": role, **extra})
        assert response.status_code == 302
        return re.search(r"http://\S+(/staff/invitation/\?token=\S+)", mailoutbox[-1].body).group(1)

    return send


def _memberships(email: str) -> int:
    return Membership.objects.filter(user__email=email).count()


def _accept_as_new(host: str, link: str, password: str = NEW_PASSWORD):
    return client_on(host).post(link, {"full_name": "Nina", "password": password, "password_again": password})


def test_inviting_grants_nothing_until_the_invitee_accepts(alpha, invite):
    link = invite("admin@beta.test")
    invitee = User.objects.get(email="admin@beta.test")
    assert resolve_access(invitee, alpha.chain.id) is None
    assert _memberships("admin@beta.test") == 1  # beta's only
    browser = client_on(alpha.host)
    browser.force_login(invitee, backend="django.contrib.auth.backends.ModelBackend")
    assert browser.get("/dashboard/").status_code == 302  # not yet staff of alpha
    assert client_on(alpha.host).post(link, {"password": PASSWORD}).status_code == 302
    assert resolve_access(invitee, alpha.chain.id).role == "admin"


def test_inviting_a_new_person_creates_no_account_before_acceptance(alpha, invite):
    link = invite("nina@new.test", role="cashier", restaurants=[alpha.restaurants[0].id])
    assert not User.objects.filter(email="nina@new.test").exists()
    assert _accept_as_new(alpha.host, link).status_code == 302
    assert resolve_access(User.objects.get(email="nina@new.test"), alpha.chain.id).role == "cashier"


def test_an_existing_account_must_give_its_own_password(alpha, invite):
    link = invite("admin@beta.test")
    for attempt in ({"password": "guessed-Passw0rd-1"}, _new_password_form("attacker-Passw0rd-1")):
        refused = client_on(alpha.host).post(link, attempt)
        assert refused.status_code == 422
        assert "_auth_user_id" not in refused.wsgi_request.session
    assert _memberships("admin@beta.test") == 1
    assert User.objects.get(email="admin@beta.test").check_password(PASSWORD)  # nobody re-chose the password
    assert StaffInvitation.objects.get(email="admin@beta.test").accepted_at is None
    assert client_on(alpha.host).post(link, {"password": PASSWORD}).status_code == 302
    assert _memberships("admin@beta.test") == 2


def _new_password_form(password: str) -> dict[str, str]:
    return {"full_name": "Mallory", "password": password, "password_again": password}


def test_a_link_of_one_chain_is_refused_on_another_chains_host(alpha, beta, invite):
    link = invite("nina@new.test", role="admin")
    page = client_on(beta.host).get(link)
    assert page.status_code == 404
    assert _accept_as_new(beta.host, link).status_code == 404
    assert not User.objects.filter(email="nina@new.test").exists()
    assert _memberships("nina@new.test") == 0
    assert _accept_as_new(alpha.host, link).status_code == 302


def test_a_forwarded_link_grants_only_the_invited_email_never_the_person_using_it(alpha, invite):
    link = invite("nina@new.test", role="admin")
    # Another person with an account of their own, signed in and holding the link, gains nothing for themselves.
    outsider = User.objects.create_user("outsider@else.test", PASSWORD)
    browser = client_on(alpha.host)
    browser.force_login(outsider, backend="django.contrib.auth.backends.ModelBackend")
    assert browser.post(link, {"password": PASSWORD}).status_code == 422  # nina is new: a password must be chosen
    assert resolve_access(outsider, alpha.chain.id) is None
    assert not User.objects.filter(email="nina@new.test").exists()


@pytest.mark.parametrize("token", ["forged", "A" * 43])
def test_a_forged_link_is_refused(alpha, invite, token):
    invite("nina@new.test")
    assert _accept_as_new(alpha.host, f"/staff/invitation/?token={token}").status_code == 404
    assert not User.objects.filter(email="nina@new.test").exists()


def test_a_withdrawn_invitation_is_refused(alpha, invite):
    link = invite("admin@beta.test")
    invitation = StaffInvitation.objects.get(email="admin@beta.test")
    signed_in_client(alpha, "owner").post(f"/staff/invitations/{invitation.id}/revoke/")
    refused = client_on(alpha.host).post(link, {"password": PASSWORD})
    assert refused.status_code == 410
    assert "withdrawn" in refused.content.decode()
    assert resolve_access(User.objects.get(email="admin@beta.test"), alpha.chain.id) is None
    assert AuditEntry.objects.filter(action="staff.invitation_revoked", object_id=str(invitation.id)).exists()


def test_an_expired_invitation_is_refused_with_a_readable_page(alpha, invite):
    link = invite("nina@new.test")
    StaffInvitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))  # a week later
    page = client_on(alpha.host).get(link)
    assert page.status_code == 410
    assert "expired" in page.content.decode()
    assert _accept_as_new(alpha.host, link).status_code == 410
    assert not User.objects.filter(email="nina@new.test").exists()


def test_an_accepted_link_cannot_be_used_again(alpha, invite):
    link = invite("nina@new.test")
    assert _accept_as_new(alpha.host, link).status_code == 302
    assert _accept_as_new(alpha.host, link, password="second-Passw0rd-77").status_code == 410
    assert User.objects.get(email="nina@new.test").check_password(NEW_PASSWORD)


def test_an_admin_cannot_resend_or_withdraw_an_owners_invitation(alpha, invite):
    invite("co-owner@new.test", role="owner")
    invitation = StaffInvitation.objects.get(email="co-owner@new.test")
    admin = signed_in_client(alpha, "admin")
    admin.post(f"/staff/invitations/{invitation.id}/revoke/")
    admin.post(f"/staff/invitations/{invitation.id}/resend/")
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert not AuditEntry.objects.filter(action__startswith="staff.invitation_", actor=alpha.user("admin")).exists()


def test_staff_of_another_chain_cannot_touch_this_chains_invitations(alpha, beta, invite):
    invite("nina@new.test")
    invitation = StaffInvitation.objects.get(email="nina@new.test")
    assert signed_in_client(beta, "owner").post(f"/staff/invitations/{invitation.id}/revoke/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
