"""Owners and admins invite staff (who accept by email), change roles and restaurants, and remove access; audited."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.access import resolve_access
from accounts.models import Membership, StaffInvitation, User
from accounts.services import grant_membership, obtain_user
from audit.models import AuditEntry
from tests.fixtures import PASSWORD, client_on, signed_in_client


def _invite(alpha, capture, **data):
    with capture(execute=True):  # the mail leaves after commit
        return signed_in_client(alpha, "owner").post("/staff/invite/", data)


def _link(mail) -> str:
    return re.search(r"http://\S+(/staff/invitation/\?token=\S+)", mail.body).group(1)


def test_owner_invites_a_new_cashier_who_accepts_by_choosing_a_password(
    alpha, mailoutbox, django_capture_on_commit_callbacks
):
    response = _invite(
        alpha,
        django_capture_on_commit_callbacks,
        email="New.Cashier@alpha.test",
        full_name="Nina",
        role="cashier",
        restaurants=[alpha.restaurants[1].id],
    )
    assert response.status_code == 302
    assert not User.objects.filter(email="new.cashier@alpha.test").exists()  # nothing until accepted
    invitation = StaffInvitation.objects.get(chain=alpha.chain, email="new.cashier@alpha.test")
    assert AuditEntry.objects.filter(action="staff.invited", object_id=str(invitation.pk)).exists()
    assert len(mailoutbox) == 1
    browser = client_on(alpha.host)
    link = _link(mailoutbox[0])
    assert "Choose a password" in browser.get(link).content.decode()
    accepted = browser.post(
        link, {"full_name": "Nina", "password": "first-Passw0rd-55", "password_again": "first-Passw0rd-55"}
    )
    assert accepted["Location"] == "/cashier/"  # signed in on the chain's host
    user = User.objects.get(email="new.cashier@alpha.test")
    assert user.full_name == "Nina"
    assert user.email_confirmed_at is not None
    access = resolve_access(user, alpha.chain.id)
    assert access.role == "cashier"
    assert access.restaurant_ids == {alpha.restaurants[1].id}
    assert AuditEntry.objects.filter(action="staff.granted", object_id=str(user.pk), actor=alpha.user("owner")).exists()
    assert (
        client_on(alpha.host).post("/accounts/login/", {"email": user.email, "password": "first-Passw0rd-55"})[
            "Location"
        ]
        == "/cashier/"
    )


def test_an_existing_user_of_another_chain_accepts_with_their_own_password(
    alpha, mailoutbox, django_capture_on_commit_callbacks
):
    _invite(alpha, django_capture_on_commit_callbacks, email="admin@beta.test", role="admin")
    invitee = User.objects.get(email="admin@beta.test")
    assert resolve_access(invitee, alpha.chain.id) is None  # not before accepting
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/" not in mailoutbox[0].body
    browser = client_on(alpha.host)
    assert "enter its password" in browser.get(_link(mailoutbox[0])).content.decode()
    assert browser.post(_link(mailoutbox[0]), {"password": PASSWORD})["Location"] == "/dashboard/"
    assert resolve_access(invitee, alpha.chain.id).role == "admin"


def test_staff_page_lists_open_invitations_with_resend_and_withdraw(
    alpha, mailoutbox, django_capture_on_commit_callbacks
):
    _invite(alpha, django_capture_on_commit_callbacks, email="later@alpha.test", role="admin")
    invitation = StaffInvitation.objects.get(email="later@alpha.test")
    page = signed_in_client(alpha, "owner").get("/staff/").content.decode()
    assert "later@alpha.test" in page
    assert f"/staff/invitations/{invitation.id}/revoke/" in page
    with django_capture_on_commit_callbacks(execute=True):
        signed_in_client(alpha, "owner").post(f"/staff/invitations/{invitation.id}/resend/")
    assert len(mailoutbox) == 1  # not again within a minute
    StaffInvitation.objects.filter(pk=invitation.pk).update(last_sent_at=timezone.now() - timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        signed_in_client(alpha, "owner").post(f"/staff/invitations/{invitation.id}/resend/")
    assert len(mailoutbox) == 2
    assert _link(mailoutbox[0]) != _link(mailoutbox[1])
    assert client_on(alpha.host).get(_link(mailoutbox[0])).status_code == 404  # the older link stopped working
    assert client_on(alpha.host).get(_link(mailoutbox[1])).status_code == 200
    assert AuditEntry.objects.filter(action="staff.invitation_resent", actor=alpha.user("owner")).exists()
    signed_in_client(alpha, "owner").post(f"/staff/invitations/{invitation.id}/revoke/")
    assert AuditEntry.objects.filter(action="staff.invitation_revoked", actor=alpha.user("owner")).exists()
    assert "later@alpha.test" not in signed_in_client(alpha, "owner").get("/staff/").content.decode()


def test_a_deactivated_member_is_reinvited_and_regains_access_only_by_accepting(
    alpha, mailoutbox, django_capture_on_commit_callbacks
):
    membership = Membership.objects.get(user=alpha.user("cashier"), chain=alpha.chain)
    signed_in_client(alpha, "owner").post(f"/staff/{membership.id}/active/", {"active": "0"})
    _invite(
        alpha,
        django_capture_on_commit_callbacks,
        email="cashier@alpha.test",
        role="manager",
        restaurants=[alpha.restaurants[0].id],
    )
    assert not Membership.objects.get(pk=membership.pk).is_active
    client_on(alpha.host).post(_link(mailoutbox[-1]), {"password": PASSWORD})
    restored = Membership.objects.get(pk=membership.pk)
    assert restored.is_active
    assert restored.role == "manager"


def test_admin_cannot_create_owners_or_admins(alpha):
    response = signed_in_client(alpha, "admin").post("/staff/invite/", {"email": "x@alpha.test", "role": "owner"})
    assert response.status_code == 422
    assert not User.objects.filter(email="x@alpha.test").exists()
    assert not StaffInvitation.objects.filter(email="x@alpha.test").exists()


def test_manager_and_cashier_need_a_restaurant(alpha):
    response = signed_in_client(alpha, "owner").post("/staff/invite/", {"email": "m2@alpha.test", "role": "manager"})
    assert response.status_code == 422
    assert "at least one restaurant" in response.content.decode()
    assert response.context["form"]["email"].value() == "m2@alpha.test"


def test_inviting_someone_already_on_staff_is_refused_with_a_message(alpha):
    response = signed_in_client(alpha, "owner").post(
        "/staff/invite/", {"email": "cashier@alpha.test", "role": "cashier", "restaurants": [alpha.restaurants[0].id]}
    )
    assert response.status_code == 422
    assert "already works for the chain" in response.content.decode()


def test_changing_role_and_restaurants_is_audited_old_to_new(alpha):
    membership = Membership.objects.get(user=alpha.user("cashier"), chain=alpha.chain)
    response = signed_in_client(alpha, "admin").post(
        f"/staff/{membership.id}/", {"role": "manager", "restaurants": [r.id for r in alpha.restaurants]}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(
        action="staff.changed", object_id=str(alpha.user("cashier").pk), actor=alpha.user("admin")
    )
    assert entry.changes["role"] == ["cashier", "manager"]
    assert resolve_access(alpha.user("cashier"), alpha.chain.id).restaurant_ids == {r.id for r in alpha.restaurants}


def test_removing_access_signs_the_person_out_of_the_chain(alpha):
    cashier_browser = signed_in_client(alpha, "cashier")
    membership = Membership.objects.get(user=alpha.user("cashier"), chain=alpha.chain)
    signed_in_client(alpha, "owner").post(f"/staff/{membership.id}/active/", {"active": "0"})
    assert AuditEntry.objects.filter(action="staff.deactivated").exists()
    assert cashier_browser.get("/cashier/").status_code == 302


def test_the_last_owner_cannot_lose_the_owner_role(alpha):
    second_owner = obtain_user(email="co@alpha.test", password="co-owner-Passw0rd", client_address="127.0.0.1")
    grant_membership(user=second_owner, chain_id=alpha.chain.id, role="owner", actor=alpha.user("owner"))
    first = Membership.objects.get(user=alpha.user("owner"), chain=alpha.chain)
    second = Membership.objects.get(user=second_owner)
    co_owner_browser = client_on(alpha.host)
    co_owner_browser.force_login(second_owner, backend="django.contrib.auth.backends.ModelBackend")
    co_owner_browser.post(f"/staff/{first.id}/active/", {"active": "0"})  # allowed: another owner remains
    assert not Membership.objects.get(pk=first.pk).is_active
    grant_membership(user=alpha.user("owner"), chain_id=alpha.chain.id, role="admin")  # the first: an active admin
    response = signed_in_client(alpha, "owner").post(f"/staff/{second.id}/active/", {"active": "0"}, follow=True)
    assert "cannot give or change this role" in response.content.decode()  # an admin may not touch an owner
    from accounts.errors import LastOwner
    from accounts.services import set_staff_active

    with pytest.raises(LastOwner):
        set_staff_active(membership=second, is_active=False, actor=alpha.user("admin"), actor_role="owner")
    assert Membership.objects.get(pk=second.pk).is_active


def test_nobody_changes_their_own_access(alpha):
    own = Membership.objects.get(user=alpha.user("owner"), chain=alpha.chain)
    response = signed_in_client(alpha, "owner").post(f"/staff/{own.id}/active/", {"active": "0"}, follow=True)
    assert "your own access" in response.content.decode()
    assert Membership.objects.get(pk=own.pk).is_active


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 200), ("manager", 403), ("cashier", 403)])
def test_staff_page_is_for_owners_and_admins(alpha, role, status):
    assert signed_in_client(alpha, role).get("/staff/").status_code == status


def test_staff_of_another_chain_cannot_be_edited(alpha, beta):
    foreign = Membership.objects.get(user=beta.user("cashier"), chain=beta.chain)
    assert signed_in_client(alpha, "owner").get(f"/staff/{foreign.id}/").status_code == 404
